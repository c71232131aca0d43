import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_chinese_browser_gets_chinese_login_page(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in html
    assert "客户档案" in html


def test_english_is_the_fallback(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


def test_language_switcher_sets_chinese(client, salesperson):
    client.force_login(salesperson)
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "欢迎" in response.content.decode()
