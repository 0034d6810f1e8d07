import base64
import binascii

from django.core.management.base import BaseCommand

from apps.acos.demo import DEMO_PASSWORD_DEFAULT, demo_load


class Command(BaseCommand):
    help = "Load the demo ACOs, lists and accounts (safe to run again) and print the accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help=f"Password for new demo accounts (default {DEMO_PASSWORD_DEFAULT!r} or $DEMO_PASSWORD)"
        )

    def handle(self, *args, **options):
        accounts = demo_load(password=options.get("password"))
        import os

        password = options.get("password") or os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("LEAD Portal demo is ready at http://127.0.0.1:8000"))
        out.write(f"Every demo account's password: {password}")
        out.write(f"{'user name':<18} {'role':<26} ACOs")
        for a in accounts:
            out.write(f"{a.username:<18} {a.role:<26} {a.acos}")
        for a in accounts:
            if a.totp_key_hex:
                secret = base64.b32encode(binascii.unhexlify(a.totp_key_hex)).decode()
                out.write(
                    f"{a.username}: second factor key {secret} (add it to an authenticator app, "
                    f"or run `manage.py totp_code {a.username}` in this demo)"
                )
        out.write("")
