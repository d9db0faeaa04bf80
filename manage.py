#!/usr/bin/env python
"""Django's command-line utility; operators use the `armstrace` command instead."""

import sys

from armstrace.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
