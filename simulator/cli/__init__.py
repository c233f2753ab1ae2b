"""The command line (``supplyshock``): the group and its commands (:mod:`~simulator.cli.main`) and the
options several commands share (:mod:`~simulator.cli.options`). The top layer: it maps the library's
parameters and errors to options and exit codes.
"""
