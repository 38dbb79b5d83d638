"""python -m bench: see bench/run.py for the knobs."""

from .run import main

main()
