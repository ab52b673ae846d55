"""Operations commands: ``eventbot migrate``, ``backup``, ``doctor`` and ``health``."""
