"""People, their CMS role, and the log of who looked at which data.

ACO membership (a person's role inside an ACO) lives with the ACO in ``apps.acos`` so that this
app, at the bottom of the dependency chain, never refers to tenant tables.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from lead_portal.formatting import when


class User(AbstractUser):
    class CMSRole(models.TextChoices):
        NONE = "", "Not CMS staff"
        REVIEWER = "reviewer", "CMS reviewer"
        ADMIN = "admin", "CMS admin"

    cms_role = models.CharField("CMS role", max_length=16, choices=CMSRole.choices, blank=True, default=CMSRole.NONE)

    @property
    def is_cms(self) -> bool:
        return bool(self.cms_role)

    @property
    def can_review(self) -> bool:
        """CMS reviewers and CMS admins decide change requests and plans for every ACO."""
        return self.cms_role in (self.CMSRole.REVIEWER, self.CMSRole.ADMIN)

    @property
    def is_cms_admin(self) -> bool:
        return self.cms_role == self.CMSRole.ADMIN

    @property
    def requires_second_factor(self) -> bool:
        """CMS staff and anyone with Django admin access must pass TOTP after the password."""
        return self.is_cms or self.is_staff or self.is_superuser

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AccessLog(models.Model):
    """One row per view or export of beneficiary-level or list data: who, what, when, from where."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported"
        API = "api", "Read through the API"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="access_logs")
    username = models.CharField(max_length=150, help_text="Kept even if the account is deleted.")
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128, blank=True)
    aco_code = models.CharField("ACO", max_length=16, blank=True, db_index=True)
    path = models.CharField(max_length=512)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{when(self.at)} {self.username} {self.action} {self.object_type} {self.object_id}"
