from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Coaches are created by the operator (`manage.py createcoach` or the admin).
        return False
