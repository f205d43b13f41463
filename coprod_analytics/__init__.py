"""coprod-analytics: deliberation and wisdom-of-crowds analytics."""

from coprod_analytics.errors import CoprodError, ParameterError, ValidationError

__all__ = ["CoprodError", "ParameterError", "ValidationError"]
