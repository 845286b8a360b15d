"""Run the atc-dmn command line from a checkout: ``python cli.py evaluate ...``.

The commands live in ``atc_dmn/cli.py`` so that an installed wheel carries them
(as the ``atc-dmn`` console command); this file only launches them.
"""

from atc_dmn.cli import main

if __name__ == "__main__":
    main(prog_name="atc-dmn")
