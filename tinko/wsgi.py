import gc

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from tinko.settings import settings_module_select

settings_module_select()

application = get_wsgi_application()

# Load every URL and view now, then take everything loaded so far out of the garbage
# collector's sight: the long-lived objects of the application are never garbage, and without
# this each full collection walks all of them, which costs a request that makes many objects
# (a batch of 1,000 events) tens of milliseconds.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
