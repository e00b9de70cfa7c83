from ui.pyside_references import keep_singletons_alive

keep_singletons_alive()  # before any Qt call: see ui.pyside_references
