"""credcase: scanned applications → case files for the Taizhou qualification-recognition scheme."""

__version__ = "0.3.0"
