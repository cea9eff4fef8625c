from django.core.asgi import get_asgi_application

from tinko.settings import settings_module_select

settings_module_select()

application = get_asgi_application()
