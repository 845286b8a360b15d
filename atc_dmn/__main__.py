"""``python -m atc_dmn``: the same command line as ``atc-dmn``."""

from .cli import main

main(prog_name="atc-dmn")
