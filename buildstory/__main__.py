"""``python -m buildstory serve|start|stop|status|url|destroy`` — the embedded-database launcher."""
import sys

from .devdb import main

sys.exit(main())
