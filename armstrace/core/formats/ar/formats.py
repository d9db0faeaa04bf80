"""Arabic: the one format Django's own Arabic formats lack (date and time together would
fall back to the American month-first default). Django reads the others from its own."""

SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
