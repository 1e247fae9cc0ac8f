"""AltHedge XL: defend an altcoin spot portfolio with short Bitcoin futures, in Excel."""

__version__ = "0.1.0"
