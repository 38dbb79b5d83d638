from django.conf import settings


def language_choices(request) -> dict:
    """Give every template the language picker's choices and the site name."""
    return {"language_choices": settings.LANGUAGES, "site_name": settings.SITE_NAME}
