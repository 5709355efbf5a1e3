"""What the sign-in security pages (allauth's MFA pages and the workspace's settings) need
to know about the signed-in user, without a view of ours in between."""

from django import template

from accounts.selectors import SignInMethods, user_is_coach, user_sign_in_methods

register = template.Library()


@register.simple_tag
def sign_in_methods(user) -> SignInMethods:
    return user_sign_in_methods(user=user)


@register.simple_tag
def is_coach(user) -> bool:
    return user_is_coach(user=user)
