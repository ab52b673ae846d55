"""The translation catalogs, installed as the package ``bot.locales``.

pyproject.toml maps this folder to ``bot.locales`` so that the ``.po`` files ship inside the
wheel (``bot/locales/<lang>/LC_MESSAGES/messages.po``); ``bot.i18n.locales_dir()`` finds them
with importlib.resources, in a regular install and in an editable one alike.
"""
