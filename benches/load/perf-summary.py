#!/usr/bin/env python3
"""Groups a perf profile of lms-server by where the time goes.

Usage: perf report -i perf.data --sort symbol --stdio | python3 benches/load/perf-summary.py

Reads `perf report --sort symbol` lines ("  12.34%  [.] symbol") and prints the share of
the server's CPU samples per group, largest first, with the top symbols of each group.
"""
import re
import sys
from collections import defaultdict

GROUPS = [
    ("kernel: scheduler and thread wake-ups",
     r"\[k\] (finish_task_switch|_raw_spin_unlock|__schedule|schedule|try_to_wake_up|futex|"
     r"native_queued_spin|__x64_sys_futex|do_futex|select_task_rq|enqueue_task|dequeue_task|"
     r"update_curr|psi_|irqentry_exit|switch_)"),
    ("kernel: disk I/O and fsync", r"\[k\] (iowrite|blk_|ext4|jbd2|submit_bio|virtblk|xfs_|file_write|"
                                   r"filemap_fdatawrite|__filemap_fdatawait)"),
    ("kernel: network and sockets", r"\[k\] (tcp_|__tcp|ip_|__ip|sock_|__sock|skb|__skb|napi|"
                                    r"net_rx|__netif|_copy_to_iter|_copy_from_iter|copy_user|"
                                    r"epoll|ep_|__sys_sendto|__sys_recvfrom|loopback|__dev_queue|"
                                    r"handle_softirqs|__local_bh|inet_|release_sock|lock_sock)"),
    ("kernel: memory (page faults, zeroing)", r"\[k\] (clear_page|exc_page_fault|do_anonymous_page|"
                                              r"handle_mm_fault|__handle_mm_fault|do_user_addr_fault|"
                                              r"__alloc_pages|get_page_from_freelist|rmqueue|"
                                              r"__mem_cgroup|mem_cgroup|lru_|folio|free_unref|"
                                              r"release_pages|zap_|unmap_|__pte|page_)"),
    ("kernel: page cache reads (SQLite file)", r"\[k\] (filemap_|xas_|generic_file|pagecache|"
                                               r"touch_atime|atime)"),
    ("kernel: other", r"\[k\] "),
    ("malloc and free", r"\[\.\] (_int_malloc|_int_free|malloc|cfree|free|realloc|unlink_chunk|"
                        r"malloc_consolidate|_int_realloc|__libc_malloc|__libc_free|tcache|"
                        r"calloc|__libc_calloc|_int_memalign|sysmalloc|arena_|mi_|_mi_|"
                        r"__rust_alloc|__rust_dealloc|__rust_realloc|<mimalloc)"),
    ("JSON: domain documents decoded (course, enrollment)",
     r"\[\.\] .*(serde::private::de|serde_core::de|serde_json::de|serde_json::read|"
     r"Deserialize for|forbidden_character|drop_in_place<lms_core|BTreeMap|"
     r"uuid::parser|from_utf8|deserialize)"),
    ("JSON: responses and logs encoded", r"\[\.\] .*(serde_json::ser|format_escaped_str|Serialize|"
                                         r"ryu|itoa|poem_openapi::types)"),
    ("SQLite engine", r"\[\.\] .*(sqlite3|pcache1|btreeInit|walFind|Vdbe)"),
    ("sqlx (pool, statements, Postgres protocol)", r"\[\.\] .*(sqlx_postgres|sqlx_core|sqlx_sqlite)"),
    ("logging and metrics", r"\[\.\] .*(tracing|prometheus|fmt::|core::fmt|Formatter|Histogram)"),
    ("JWT and hashing", r"\[\.\] .*(sha2|hmac|jsonwebtoken|base64|sha256|Sha256|compress256|hashbrown|"
                        r"SipHasher|Hasher)"),
    ("HTTP, async runtime", r"\[\.\] .*(hyper|poem|tokio|http::|h2|futures|mio|bytes::|"
                            r"httparse|hyper_util|waker|Waker|parking_lot|crossbeam|flume)"),
    ("memory copies", r"\[\.\] __mem(move|cpy|set|cmp)"),
    ("other user space", r"\[\.\] "),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in GROUPS]

totals = defaultdict(float)
tops = defaultdict(list)
line_re = re.compile(r"^\s*([0-9.]+)%\s+(\[[.k]\]\s+.*?)\s*$")
for line in sys.stdin:
    m = line_re.match(line)
    if not m:
        continue
    share, symbol = float(m.group(1)), m.group(2)
    for name, pattern in COMPILED:
        if pattern.search(symbol):
            totals[name] += share
            if len(tops[name]) < 4:
                tops[name].append(f"{symbol[4:].strip()[:60]} {share:.1f}")
            break

for name, share in sorted(totals.items(), key=lambda kv: -kv[1]):
    print(f"{share:5.1f} %  {name}: {'; '.join(tops[name])}")
