"""Around every API call: problem+json errors, no cookies or CSRF, OAuth2 endpoint, mobile app versions."""
import pytest

from tests.fixtures_api import assert_hal, assert_problem, no_api_rate_limit

pytestmark = no_api_rate_limit


@pytest.mark.parametrize("path", ["/api/v4/nothing-here", "/api/v4/leads/abc", "/api/v5/leads", "/api/"])
def test_unknown_api_routes_are_problem_json_404(api, path):
    assert_problem(api.get(path), 404)
    assert_problem(api.client.get(path), 404)  # without a token too


@pytest.mark.parametrize("method,path", [
    ("post", "/api/v4/account"), ("delete", "/api/v4/leads/pipelines"), ("get", "/oauth2/access_token"),
])
def test_wrong_method_is_problem_json_405(api, method, path):
    response = getattr(api.client, method)(path, headers=api.headers())
    assert_problem(response, 405)


def test_users_need_an_administrators_token(api, admin_api):
    assert_problem(api.get("users"), 403, "administrator")
    assert_problem(api.get(f"users/{1}"), 403)
    assert admin_api.get("users").status_code == 200


@pytest.mark.parametrize("query,path", [
    ("limit=0", "limit"), ("limit=251", "limit"), ("limit=10000", "limit"), ("limit=abc", "limit"),
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"),
    ("filter[id][x][y]=1", "filter[id]"), ("filter[id]=abc", "filter[id]"),
    ("filter[id]=1&filter[id][0]=2", "filter[id][0]"),
    ("filter[id=1", "filter[id"), ("filter=1", "filter"), ("filter[]=1", "filter[]"),
])
def test_bad_parameters_are_400_with_validation_errors(admin_api, query, path):
    response = admin_api.get(f"leads/tags?{query}")
    body = assert_problem(response, 400)
    [entry] = body["validation-errors"]
    assert entry["request_id"] == "0"
    [error] = entry["errors"]
    assert error["path"] == path and error["code"] and error["detail"]


def test_limit_of_250_is_accepted(admin_api):
    assert admin_api.get("users?limit=250").status_code == 200


def test_oauth2_endpoint_answers_problem_json_401_never_html(api):
    assert_problem(api.client.post("/oauth2/access_token", json={"grant_type": "refresh_token"}), 401)
    body = assert_problem(api.post("/oauth2/access_token", json={"grant_type": "authorization_code"}), 401)
    assert "long-lived token" in body["detail"]
    form = api.client.post("/oauth2/access_token", data={"grant_type": "authorization_code"})
    assert_problem(form, 401)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_csrf_protection_does_not_apply_to_the_api(client, user, make_token):
    secret = make_token(user)
    headers = {"Authorization": f"Bearer {secret}"}
    assert_problem(client.post("/oauth2/access_token", json={}, headers=headers), 401, "long-lived token")
    assert client.get("/api/v4/account", headers=headers).status_code == 200


def test_api_never_sets_or_reads_a_session_cookie(client, auth, api):
    auth.login()  # the browser session of the same user
    assert "session" in {cookie.key for cookie in client._cookies.values()}
    assert_problem(client.get("/api/v4/account"), 401)  # the cookie is no credential for the API
    for response in (api.get("account"), api.get("nothing"), client.get("/api/v4/account"),
                     api.post("/oauth2/access_token")):
        assert "Set-Cookie" not in response.headers
    cookieless = api.client.application.test_client()
    assert "Set-Cookie" not in cookieless.get("/api/v4/account", headers=api.headers()).headers


def test_links_use_the_requests_own_scheme_host_and_port(api):
    response = api.client.get("/api/v4/account", headers=api.headers(), base_url="https://crm.example.org:8443")
    assert assert_hal(response)["_links"]["self"]["href"] == "https://crm.example.org:8443/api/v4/account"


# Mobile apps ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "android/3.3.12 (72)", "android/3.3.13 (70)", "android/3.4.0 (1)", "android/4.0.0 (100)",
    "ios/2.1.22", "ios/2.2.0", "ios/10.0.0",
])
def test_supported_apps_are_served_while_monitoring_is_on(api, set_limits, header):
    set_limits(list_limit=1000)
    assert_hal(api.get("account", app_header=header))


@pytest.mark.parametrize("header", [
    "android/3.3.12 (71)", "android/3.3.11 (99)", "android/3.2.99 (500)", "android/2.9.9 (72)",
    "ios/2.1.21", "ios/2.0.99", "ios/1.9.30",
])
def test_outdated_apps_get_426_while_monitoring_is_on(api, set_limits, header):
    set_limits(card_limit=100)
    body = assert_problem(api.get("leads/pipelines", app_header=header), 426, "Update the app")
    assert body["title"] == "Upgrade Required"
    assert "3.3.12 (72)" in body["detail"] and "2.1.22" in body["detail"]


def test_outdated_apps_are_served_while_monitoring_is_off(api, app, set_limits):
    assert_hal(api.get("account", app_header="android/3.0.0 (10)"))  # no limits set
    set_limits(list_limit=1000)
    app.config["PLAN"] = "advanced"  # limits set, but the plan has no monitoring
    assert_hal(api.get("account", app_header="ios/1.0.0"))
    app.config["PLAN"] = "professional"
    assert_problem(api.get("account", app_header="ios/1.0.0"), 426)


@pytest.mark.parametrize("header", [
    "", "android", "android/3.3.12", "ios/2.1.22 (5)", "Android/3.3.12 (72)", "IOS/2.1.22",
    "android/3.3 (72)", "android/3.3.12 (72) extra", "android/3.3.12  (72)", "windows/1.0.0",
    "android/\uff13.3.12 (72)", "ios/2.1.x", "ios/ 2.1.22",
])
def test_malformed_app_header_is_a_400(api, header):
    body = assert_problem(api.get("account", app_header=header), 400)
    [error] = body["validation-errors"][0]["errors"]
    assert error["path"] == "X-Client-App"
