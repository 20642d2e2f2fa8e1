#!/usr/bin/env python3
"""Synthetic inputs for bench/compare.sh and tests/bench_script.rs. Deterministic, stdlib only.

  generate.py services N FILE    one compose file of N services (groups of redis, postgres,
                                 a Celery worker and a web app, sharing anchors and merge keys)
  generate.py tree N DIR         N projects DIR/project-NNNN/, each a compose.yaml and its .env
  generate.py large MB FILE      one compose file of about MB megabytes (services as above)
  generate.py rescalable N FILE  N services whose limits fill three quarters of a CAX41, so that
                                 `--fix --plan cax21` shrinks them, keeping their share (at most
                                 about 900 services: each keeps Docker's 6 MiB minimum)

Every project sets `x-orion-lint: {plan: ...}` so that the budget rules run and `--fix --plan`
has a plan to rescale from.
"""

import os
import sys

# Hetzner's largest plan: room for the synthetic files, so that a rescale has limits to shrink.
LARGE_PLAN = "ccx63"

HEADER = """\
name: {name}

x-orion-lint:
  plan: {plan}

x-defaults: &defaults
  restart: unless-stopped
  stop_grace_period: 30s

services:
"""

# One group of four services; {i} makes the names unique, {port} the published port. One merge
# key per group, of a small anchor: orion-lint and dclint's YAML library refuse a document whose
# aliases expand to more than 100,000 nodes (a billion-laughs guard), which more aliases in a
# 9 MB file would pass.
GROUP = """\
  redis-{i}:
    restart: unless-stopped
    image: redis:7.2-alpine
    command: redis-server --maxmemory 96mb --maxmemory-policy noeviction --appendonly yes
    mem_limit: 128m

  db-{i}:
    restart: unless-stopped
    image: postgres:16.4
    command: postgres -c shared_buffers=128MB -c effective_cache_size=384MB -c max_connections=50
    environment:
      POSTGRES_DB: ${{POSTGRES_DB:-app}}
      POSTGRES_USER: app
    deploy:
      resources:
        limits:
          memory: 512M
        reservations:
          memory: 256M

  worker-{i}:
    <<: *defaults
    image: registry.example.com/app:1.4.{minor}
    command: celery -A app worker --concurrency=2 --max-tasks-per-child=100 --loglevel=info
    environment:
      DJANGO_SETTINGS_MODULE: app.settings.production
      LOG_LEVEL: ${{LOG_LEVEL:-info}}
      CELERY_BROKER_URL: redis://redis-{i}:6379/0
      DATABASE_HOST: db-{i}
      POSTGRES_DB: ${{POSTGRES_DB:-app}}
    mem_limit: 768m
    depends_on:
      - redis-{i}
      - db-{i}

  web-{i}:
    restart: unless-stopped
    image: registry.example.com/app:1.4.{minor}
    command: ["gunicorn", "app.wsgi:application", "--workers", "3", "--bind", "0.0.0.0:8000"]
    environment:
      DJANGO_SETTINGS_MODULE: app.settings.production
      CELERY_BROKER_URL: redis://redis-{i}:6379/0
    ports:
      - "127.0.0.1:{port}:8000"
    deploy:
      resources:
        limits:
          memory: ${{WEB_MEMORY:-512m}}
    depends_on:
      - worker-{i}

"""

# A group for `--fix --plan cax21`: limits of {limit} MiB filling 24 GiB of a CAX41 shrink to keep
# their share of a CAX21, and each service must keep its 6 MiB minimum, so no database.
RESCALABLE_GROUP = """\
  cache-{i}:
    image: redis:7.2-alpine
    command: redis-server --maxmemory {maxmemory}mb --maxmemory-policy allkeys-lru
    mem_limit: {limit}m

  worker-{i}:
    <<: *defaults
    image: registry.example.com/app:1.4.{minor}
    command: celery -A app worker --concurrency=1 --loglevel=info
    environment:
      CELERY_BROKER_URL: redis://cache-{i}:6379/1
    mem_limit: {limit}m

  web-{i}:
    restart: unless-stopped
    image: registry.example.com/app:1.4.{minor}
    command: ["gunicorn", "app.wsgi:application", "--workers", "2"]
    deploy:
      resources:
        limits:
          memory: {limit}M

"""


def compose_text(name, services, plan, group=GROUP, **sizes):
    """A compose file of `services` services: whole groups, the last one cut short if needed."""
    per_group = group.count("\n\n")
    groups = (services + per_group - 1) // per_group
    parts = [HEADER.format(name=name, plan=plan)]
    for i in range(groups):
        block = group.format(i=i, minor=i % 10, port=10000 + i % 50000, **sizes)
        if i == groups - 1 and services % per_group:
            # Keep the first services of the group: they refer to no later one.
            block = "\n\n".join(block.split("\n\n")[: services % per_group]) + "\n\n"
        parts.append(block)
    return "".join(parts)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def services(count, path):
    write(path, compose_text(f"bench-{count}", count, LARGE_PLAN))


def tree(count, root):
    for i in range(count):
        project = os.path.join(root, f"project-{i:04d}")
        os.makedirs(project, exist_ok=True)
        # One group of four services fits a CAX21 (8 GB): 1.9 GiB of limits.
        write(os.path.join(project, "compose.yaml"), compose_text(f"project-{i:04d}", 4, "cax21"))
        write(
            os.path.join(project, ".env"),
            f"POSTGRES_DB=app_{i}\nLOG_LEVEL=warning\nWEB_MEMORY={256 + 64 * (i % 8)}m\n",
        )


def large(megabytes, path):
    group_bytes = len(GROUP.format(i=1000, minor=0, port=11000))
    services(int(megabytes * 1_000_000 / group_bytes) * GROUP.count("\n\n"), path)


def rescalable(count, path):
    # 24 GiB of a CAX41's 32 GiB: on a CAX21 they keep that share of its usable RAM.
    limit = max(8, 24 * 1024 // count)
    text = compose_text(
        f"rescalable-{count}",
        count,
        "cax41",
        RESCALABLE_GROUP,
        limit=limit,
        maxmemory=limit * 3 // 4,
    )
    write(path, text)


def main(argv):
    kinds = {"services": services, "tree": tree, "large": large, "rescalable": rescalable}
    if len(argv) != 4 or argv[1] not in kinds:
        sys.exit(__doc__)
    size = float(argv[2]) if argv[1] == "large" else int(argv[2])
    kinds[argv[1]](size, argv[3])


if __name__ == "__main__":
    main(sys.argv)
