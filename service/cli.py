"""`varsel`: the operator's command line. Scripts rely on its output, so it stays stable:
`keys create` prints the key alone on stdout; everything else informative goes to stderr."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlmodel import Session

from service import __version__, classify_cli
from service.auth.models import Role
from service.db import make_engine
from service.organisations import service as organisations
from service.organisations.models import OrganisationCreate, OrganisationKind, OrganisationRead
from service.problems import Problem
from service.settings import get_settings


def _engine():  # noqa: ANN202
    settings = get_settings()
    return make_engine(settings.database_url, pool_size=2)


def cmd_migrate(args: argparse.Namespace) -> int:
    from service.schema import upgrade

    upgrade(get_settings().migrations_url)
    print("database is at the latest migration", file=sys.stderr)
    return 0


def cmd_db_grant_app_role(args: argparse.Namespace) -> int:
    from service.db_roles import grant_app_role

    password = os.environ.get(args.password_env) if args.password_env else None
    engine = make_engine(args.url or get_settings().migrations_url, pool_size=1)
    try:
        grant_app_role(engine, role=args.role, password=password)
    finally:
        engine.dispose()
    print(
        f"role {args.role} may read and write the tables (the audit log: read and append only), "
        "and cannot alter, drop or truncate them",
        file=sys.stderr,
    )
    return 0


def cmd_secrets_new_key(args: argparse.Namespace) -> int:
    from service.subscriptions.secret_box import new_key

    print(new_key())
    return 0


def cmd_secrets_rotate(args: argparse.Namespace) -> int:
    from service.subscriptions import service as subscriptions
    from service.subscriptions.secret_box import SecretKeysError, SecretUnreadable, secret_box

    try:
        box = secret_box(get_settings())
        with Session(_engine()) as session:
            secrets, endpoints = subscriptions.reseal_secrets(session, secret_box=box)
    except (SecretKeysError, SecretUnreadable) as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    print(
        f"re-sealed {secrets} secret(s) of {endpoints} subscription(s) with the first key; "
        "the keys after it can now be removed",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.observability.logs import uvicorn_log_config
    from service.observability.metrics import MULTIPROCESS_DIR_VARIABLE

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    metrics_dir = None
    if args.workers > 1 and not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        # each uvicorn process counts in its own files there; /metrics in any of them sums them all
        import tempfile

        metrics_dir = os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="varsel-metrics-")
    print(
        f"Varsel on http://{host}:{port}/  (open it in a browser and sign in with an API key; "
        f"API docs: http://{host}:{port}/docs)",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=settings.log_level,
        workers=args.workers,
        access_log=False,
        log_config=uvicorn_log_config(settings.log_level),
        # SIGTERM ends the server even if a client holds a request open: in-flight
        # requests get this long (every database wait is bounded well within it).
        timeout_graceful_shutdown=30,
    )
    if metrics_dir is not None:
        import shutil

        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def cmd_webhook_echo(args: argparse.Namespace) -> int:
    from service.webhook_echo import serve

    serve(host=args.host, port=args.port, secret=args.secret)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from service.observability.logs import configure_logging
    from service.observability.worker import WorkerHealth, serve_worker_http
    from service.scheduled import HEARTBEAT_SECONDS, build_scheduler

    settings = get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url, pool_size=4)
    health = WorkerHealth(stale_after=4 * HEARTBEAT_SECONDS)
    scheduler = build_scheduler(settings, engine, heartbeat=args.heartbeat, health=health)
    port = settings.worker_http_port if args.http_port is None else args.http_port
    if port:
        try:
            serve_worker_http(host=settings.worker_http_host, port=port, health=health, engine=engine)
        except OSError as error:  # the port is taken: the jobs matter more than their metrics
            print(
                f"error: the worker's /healthz and /metrics are not served: {settings.worker_http_host}:{port}: "
                f"{error.strerror or error}",
                file=sys.stderr,
                flush=True,
            )
    print("Varsel worker: scheduler started (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from service.seed.demo import seed_demo

    settings = get_settings()
    keys = seed_demo(_engine(), keys_file=settings.demo_keys_file)
    print(f"demo data ready; demo API keys (also in {settings.demo_keys_file}):", file=sys.stderr)
    for label, key in keys.items():
        print(f"  {label:<55} {key}", file=sys.stderr)
    return 0


def cmd_orgs_create(args: argparse.Namespace) -> int:
    data = OrganisationCreate(name=args.name, kind=args.kind, country=args.country)
    with Session(_engine(), expire_on_commit=False) as session:
        org = organisations.create(session, data=data, principal=None)
    print(OrganisationRead.model_validate(org).model_dump_json())
    return 0


def cmd_orgs_list(args: argparse.Namespace) -> int:
    with Session(_engine()) as session:
        for org in organisations.get_all(session):
            print(OrganisationRead.model_validate(org).model_dump_json())
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    with Session(_engine(), expire_on_commit=False) as session:
        org = organisations.get(session, ref=args.org)
        if org is None:
            print(f"no organisation {args.org!r} (give its name or id)", file=sys.stderr)
            return 2
        created = organisations.issue_key(
            session, organisation=org, role=Role(args.role), label=args.label, principal=None
        )
    print(created.key)
    print(f"key {created.id} ({args.role}) for {org.name}; shown once, store it now", file=sys.stderr)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    with Session(_engine(), expire_on_commit=False) as session:
        row = organisations.revoke(session, key_id=args.key_id, principal=None)
    if row is None:
        print(f"no API key {args.key_id!r}", file=sys.stderr)
        return 2
    assert row.revoked_at is not None  # revoke() stamps it, or it was stamped before
    print(json.dumps({"id": row.id, "revoked_at": row.revoked_at.isoformat()}))
    return 0


def cmd_reports_upload(args: argparse.Namespace) -> int:
    from service.reports import upload_cli

    return upload_cli.run(args)


def cmd_classify(args: argparse.Namespace) -> int:
    return classify_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="varsel", description="Varsel: early warning for new psychoactive substances")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser(
        "migrate", help="upgrade the database to the latest schema (as VARSEL_MIGRATE_DATABASE_URL)"
    ).set_defaults(func=cmd_migrate)
    db = sub.add_parser("db", help="database roles").add_subparsers(dest="db_command", required=True)
    grant = db.add_parser(
        "grant-app-role",
        help="PostgreSQL: create or update the role the API and worker use; "
        "run as the owner (VARSEL_MIGRATE_DATABASE_URL)",
    )
    grant.add_argument("--role", required=True, help="e.g. varsel_app; created (LOGIN) if missing")
    grant.add_argument(
        "--password-env",
        metavar="NAME",
        help="environment variable holding the role's password (never given on the command line)",
    )
    grant.add_argument("--url", help="owner's database URL; default VARSEL_MIGRATE_DATABASE_URL")
    grant.set_defaults(func=cmd_db_grant_app_role)
    secrets_cmd = sub.add_parser("secrets", help="webhook signing secrets at rest").add_subparsers(
        dest="secrets_command", required=True
    )
    secrets_cmd.add_parser("new-key", help="print a new key for VARSEL_SECRET_KEYS").set_defaults(
        func=cmd_secrets_new_key
    )
    secrets_cmd.add_parser(
        "rotate", help="re-seal every stored secret with the first key of VARSEL_SECRET_KEYS"
    ).set_defaults(func=cmd_secrets_rotate)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run the scheduler (alert dispatch, digests)")
    worker.add_argument(
        "--heartbeat",
        type=Path,
        metavar="FILE",
        help="touch FILE while the scheduler runs and the database answers (container health)",
    )
    worker.add_argument(
        "--http-port",
        type=int,
        metavar="PORT",
        help="port of the worker's /healthz and /metrics (default VARSEL_WORKER_HTTP_PORT, 9101; 0: none)",
    )
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("seed-demo", help="demo organisations, keys and reports").set_defaults(func=cmd_seed_demo)
    echo = sub.add_parser("webhook-echo", help="a demo webhook receiver that prints each delivery")
    echo.add_argument("--host", default="127.0.0.1")
    echo.add_argument("--port", type=int, default=9000)
    echo.add_argument("--secret", help="the subscription's whsec_ secret: check each signature")
    echo.set_defaults(func=cmd_webhook_echo)
    classify = sub.add_parser("classify", help="classify every structure of a .smi, .csv or .sdf file")
    classify_cli.add_arguments(classify)
    classify.set_defaults(func=cmd_classify)

    reports = sub.add_parser("reports", help="detection reports").add_subparsers(dest="reports_command", required=True)
    upload = reports.add_parser(
        "upload", help="send a CSV or SD file of detections to the API (key in $VARSEL_API_KEY)"
    )
    from service.reports import upload_cli

    upload_cli.add_arguments(upload)
    upload.set_defaults(func=cmd_reports_upload)

    orgs = sub.add_parser("orgs", help="organisations").add_subparsers(dest="orgs_command", required=True)
    create = orgs.add_parser("create", help="add an organisation")
    create.add_argument("--name", required=True)
    create.add_argument("--kind", required=True, choices=[k.value for k in OrganisationKind])
    create.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
    create.set_defaults(func=cmd_orgs_create)
    orgs.add_parser("list", help="list organisations").set_defaults(func=cmd_orgs_list)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    kcreate = keys.add_parser("create", help="issue a key; prints it alone on stdout")
    kcreate.add_argument("--org", required=True, help="organisation name or id")
    kcreate.add_argument("--role", required=True, choices=[r.value for r in Role])
    kcreate.add_argument("--label")
    kcreate.set_defaults(func=cmd_keys_create)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=cmd_keys_revoke)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Problem as problem:
        print(f"error: {problem.detail}", file=sys.stderr)
        return 1
    except ValueError as error:  # pydantic validation of CLI input
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
