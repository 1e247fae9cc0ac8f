from althedge_xl.core.errors import (
    AltHedgeInputError,
    BadNumberError,
    MissingValueError,
    WrongTypeError,
)

__all__ = ["AltHedgeInputError", "BadNumberError", "MissingValueError", "WrongTypeError"]
