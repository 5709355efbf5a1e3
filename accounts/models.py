from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.models.common import new_token


class UserManager(BaseUserManager):
    """Users are identified by their e-mail address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class ClientProfile(models.Model):
    """What a client with an account stores once to book faster: contact details for each
    channel and the language of messages. They prefill the booking form; every booking
    keeps its own copy with the coach."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="client_profile")
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    threema_id = models.CharField(_("Threema ID"), max_length=8, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=32, blank=True)
    pgp_public_key = models.TextField(_("OpenPGP public key"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # The capability in the address of the client's calendar feed; a new one revokes the old.
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client profile")
        verbose_name_plural = _("client profiles")

    def __str__(self):
        return str(self.user)
