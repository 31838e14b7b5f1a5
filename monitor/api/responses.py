"""How API answers look: hal+json bodies, `_links` from the request's own host, 204, 400 with validation-errors."""
from urllib.parse import urlencode

from flask import Response, jsonify, request

from monitor.errors import problem
from monitor.services.errors import NotFound

HAL_JSON = "application/hal+json"


class ApiValidationError(Exception):
    """A 400 whose body lists what was wrong: [{"request_id", "errors": [{"code", "path", "detail"}]}]."""

    def __init__(self, entries, detail="Request validation failed"):
        super().__init__(detail)
        self.entries = entries
        self.detail = detail

    @classmethod
    def one(cls, path, detail, code="InvalidValue", request_id="0"):
        """A 400 about a single parameter."""
        return cls([{"request_id": str(request_id), "errors": [{"code": code, "path": path, "detail": detail}]}])

    def response(self):
        return problem(400, self.detail, **{"validation-errors": self.entries})


def hal(body, status=200):
    """A hal+json answer."""
    response = jsonify(body)
    response.status_code = status
    response.mimetype = HAL_JSON
    return response


def no_content():
    """204: an empty list page or an unknown id; no body, so no content type either."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def found_or_none(lookup, *args):
    """`lookup(*args)`, or None where it raises NotFound: for the paths that answer 204 for an unknown id.

    Elsewhere NotFound goes on to the app's 404 (monitor.errors).
    """
    try:
        return lookup(*args)
    except NotFound:
        return None


def absolute(path):
    """`path` on the scheme, host and port this request came to."""
    return request.host_url.rstrip("/") + path


def link(path):
    """A `{"href": ...}` object for `path`."""
    return {"href": absolute(path)}


def self_links(path):
    """`_links` with only `self`."""
    return {"self": link(path)}


def page_href(page):
    """This request's URL with `page` set to `page` (last), every other parameter kept in order."""
    pairs = [(name, value) for name, value in request.args.items(multi=True) if name != "page"]
    pairs.append(("page", str(page)))
    return {"href": absolute(request.path) + "?" + urlencode(pairs, safe="[],")}


def page_links(page, has_next):
    """`_links` of a list page: self, first, prev (after page 1), next (only when more rows exist)."""
    links = {"self": page_href(page), "first": page_href(1)}
    if page > 1:
        links["prev"] = page_href(page - 1)
    if has_next:
        links["next"] = page_href(page + 1)
    return links
