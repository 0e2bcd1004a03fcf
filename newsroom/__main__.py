"""`python -m newsroom` is the `newsroom` console script."""

from newsroom.cli import main

main()
