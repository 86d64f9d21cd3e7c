"""``python -m cscwatch.cli``."""
from cscwatch.cli import main

main()
