"""Pure rendering: domain objects and a Translator in, text and a keyboard description out."""
