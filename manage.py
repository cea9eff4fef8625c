#!/usr/bin/env python
import sys

from tinko.settings import settings_module_select


def main() -> None:
    settings_module_select()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
