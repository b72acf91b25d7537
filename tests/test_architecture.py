"""The shape of the code, read from its imports (``ast``, nothing is imported or run).

The rules are the ones ``docs/architecture.md`` explains ("What may import what"):
no import cycles, ``web/`` a leaf, no flask in the domain layer, no feature depending
on the admin area, and feature → feature dependencies only along ``ALLOWED``.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "buildstory"
PACKAGE = "buildstory"

# The feature packages and the features each one may import (directly). This is the one
# declaration of the dependency graph; docs/architecture.md draws the same arrows.
ALLOWED: dict[str, set[str]] = {
    "identity": {"profiles"},  # an account gets its profile (ensure_profile)
    "profiles": {"events", "hackathon", "mentoring"},  # the Mentor badge; the directory's Event filter reads
    #                                       registrations; a profile shows its awards
    "events": {"profiles", "projects", "draws", "notifications", "hackathon",
               "mentoring"},  # + the admin event page's Mentor help stats; onboarding
    #   creates the project; an event with draws is never deleted; status changes notify;
    #   the page's hackathon links; a submission blocks withdrawing a registration
    "projects": {"profiles", "events", "teams", "hackathon", "webhooks", "notifications",
                 "buildlogs"},  # + the project page's Updates section
    #                 deleting moves counters and clears its notifications; project_created;
    #                 submissions: search text, "Withdraw the submission first"
    "teams": {"profiles", "projects", "notifications", "events"},  # invites and members
    #                                  notify; ownership requests need a live event
    "moderation": {"identity", "profiles", "projects", "hackathon", "notifications",
                   "buildlogs", "roadmap", "mentoring", "teams"},  # counters; a ban releases
    #                          help requests; bans and deletions pass projects on
    #                                       move on hides; hide/unhide notify
    # notifications: names and slugs of what they are about; the team of a project
    "notifications": {"profiles", "projects", "events", "teams", "mail"},  # + opt-ins' email
    "applications": {"profiles", "webhooks", "mentoring"},  # approval grants; the website and handle rules of
    #                                            profiles/forms.py; emitting the webhooks
    "streams": {"profiles", "events", "applications"},  # text cleaning of applications
    "draws": {"profiles", "events"},
    "tools": {"profiles", "events", "projects", "hackathon", "buildlogs"},  # a tool page lists the
    #                                        submissions using it; a merge moves them
    "hackathon": {"profiles", "events", "projects", "teams", "tools", "notifications",
                  "webhooks"},  # a new review notifies the team; publishing results emits
    #                             results_published
    # build logs: posts name their author, project or tool; the team check; hiding a
    # post removes the notifications about it.
    "buildlogs": {"profiles", "projects", "tools", "notifications"},
    # matching: skills on profiles, registrations and projects; inviting and join requests
    # go through the teams services
    "matching": {"profiles", "events", "projects", "teams", "notifications"},
    "mail": {"profiles", "identity", "mentoring"},  # recipients' profiles; accounts' addresses
    #                                               and links; the mentor claim link
    "home": {"profiles", "events", "projects", "teams", "tools", "hackathon", "buildlogs",
             "roadmap"},
    #                          sitemap tool, submission pages, build-log posts, ideas
    # the roadmap: authors' names; the mention helper of build logs; comment_reply,
    # mention and roadmap_shipped notices (and the shipped fan-out); the shipped webhook.
    "roadmap": {"profiles", "buildlogs", "notifications", "webhooks"},
    # The webhook form reuses the URL and text rules; a delivery is skipped when its
    # project or event is no longer public; milestones count builders and registrations.
    "webhooks": {"profiles", "applications", "projects", "events"},
    "maintenance": {"webhooks"},  # /admin/jobs counts deliveries; clean-up deletes them
    # Reports load each kind of target through its feature (the registry); features never
    # import reports (their Report buttons are a template macro).
    # (roadmap ideas and comments, help requests and their events included).
    "reports": {"profiles", "projects", "buildlogs", "hackathon", "roadmap", "mentoring",
                "events"},
    "admin": {"identity", "profiles", "events", "projects", "teams", "moderation", "home",
              "mentoring"},
    # mentoring: mentors from applications (claim links, account emails), help requests of
    # projects entered in events, their notifications and the approval email.
    "mentoring": {"profiles", "events", "projects", "teams", "notifications", "mail",
                  "applications", "identity"},
}
FEATURES = set(ALLOWED)
# What web/ may use of the features: the signed-in builder's session and profile.
WEB_MAY_IMPORT = {"identity", "profiles.models"}
DOMAIN_MODULES = {"services", "queries", "rules", "access"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, modules: set[str]) -> list[tuple[str, int, bool]]:
    """Return (imported module, line, at module level) for every import in a file,
    TYPE_CHECKING blocks and imports inside functions included."""
    module = module_name(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                   ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, path.name == "__init__.py", child)
                for alias in child.names:  # ``from . import views`` imports a module
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in modules else target, child.lineno, top))
            visit(child, inner)

    visit(tree, True)
    return found


def graph() -> dict[str, dict[str, int]]:
    """Return {module: {imported buildstory module: line}}."""
    files = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for module, path in files.items():
        for target, line, _top in imports_of(path, set(files)):
            while target and target not in files:  # ``from pkg.mod import name``
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE + ".") and target != module:
                edges[module].setdefault(target, line)
    return edges


def cycles(edges) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in list(edges):
        if v not in index:
            strong(v)
    return result


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES | {"web"} else None


def violations(edges) -> list[str]:
    """Return every import that breaks a layering rule, as ``a -> b (line n): why``."""
    found = []
    for module, targets in sorted(edges.items()):
        source = feature_of(module)
        for target, line in sorted(targets.items()):
            dest = feature_of(target)
            where = f"{module} -> {target} (line {line})"
            if source == "web" and dest in FEATURES and not any(
                    target == f"{PACKAGE}.{ok}" or target.startswith(f"{PACKAGE}.{ok}.")
                    for ok in WEB_MAY_IMPORT):
                found.append(f"{where}: web/ imports no feature package")
            elif source in FEATURES and dest is not None and dest != source:
                if dest == "web" or dest in ALLOWED[source]:
                    continue
                found.append(f"{where}: {source} may not depend on {dest}")
    return found


def flask_in_domain() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.stem not in DOMAIN_MODULES:
            continue
        for target, line, _top in imports_of(path, set()):
            if target == "flask" or target.startswith(("flask.", "flask_")):
                found.append(f"{module_name(path)} imports {target} (line {line})")
    return found


def test_no_import_cycles():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_layers_and_feature_dependencies():
    found = violations(graph())
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_services_queries_rules_and_access_never_import_flask():
    found = flask_in_domain()
    assert not found, "flask in the domain layer:\n" + "\n".join(found)


def test_the_rules_see_real_imports():
    """The checks above read the code they claim to read (a guard against a silent no-op)."""
    edges = graph()
    assert f"{PACKAGE}.profiles.models" in edges[f"{PACKAGE}.teams.models"]
    assert len(edges) > 50
    assert set(ALLOWED) <= {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
