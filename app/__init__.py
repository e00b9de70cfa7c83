"""Window Clerk's domain and services (no Qt)."""

__version__ = "0.1.0"  # the one version: the package metadata, `--version` and the Windows file version
