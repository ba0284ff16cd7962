"""Kernel settings for executing the book's chapters (found through IPYTHONDIR, set in conf.py)."""

c = get_config()  # noqa: F821 - provided by IPython when it loads this file

# Keep the build log free of kernel chatter ("running over TCP without encryption").
c.IPKernelApp.log_level = "ERROR"
# Chapters are executed, not typed in: no history database to write.
c.HistoryManager.enabled = False
# Plain tracebacks: a failing cell reads cleanly in the build log.
c.InteractiveShell.colors = "nocolor"
# Figures as crisp PNGs at a size that fits the book's column.
c.InlineBackend.rc = {"figure.dpi": 110, "figure.figsize": (6.0, 3.6)}
