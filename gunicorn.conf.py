"""gunicorn reads this file from the folder it starts in (`make run`, the tests' servers, the benchmarks).

Each worker, once its app is loaded, moves every object it holds by then (modules, the app, its
templates) out of the garbage collector's sight: they live as long as the worker, and a collection
walking them again on every request cost about 1-2 ms of a list page's CPU (issue 14's load benchmark).
"""
import gc


def post_worker_init(_worker):
    gc.freeze()
