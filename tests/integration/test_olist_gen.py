"""test_olist_gen - the Olist data set generator (tests/gen/olist_gen.c).

Runs the static release build (and, once, the sanitizer build) and reads
every file back with Python's csv module: exact headers, exact row counts
(SF 0.02, 0.05 and 1; --dry-run agrees), determinism (two runs and both
builds byte-identical, another seed differs), every field against the type
rules of workers/etl-transform/AGGREGATES.md (validators written here),
unique keys, referential integrity, order/date consistency, payments that
sum to items + freight, quoted fields with commas, quotes and line breaks,
non-ASCII UTF-8, the real data set's shape within bounds, --bom, and bad
arguments (exit 2, one line, nothing written) and an unwritable --out
(exit 1).
"""
import atexit
import collections
import csv
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from swtest import BIN, TEST_BIN, Tap

GEN = os.path.join(BIN, "olist-gen")
SAN = os.path.join(TEST_BIN, "olist-gen")

FILES = {
    "olist_orders_dataset.csv": (99441, [
        ("order_id", "id"), ("customer_id", "id"), ("order_status", "status"),
        ("order_purchase_timestamp", "ts"), ("order_approved_at", "ts?"),
        ("order_delivered_carrier_date", "ts?"),
        ("order_delivered_customer_date", "ts?"),
        ("order_estimated_delivery_date", "ts")]),
    "olist_order_items_dataset.csv": (112650, [
        ("order_id", "id"), ("order_item_id", "int"), ("product_id", "id"),
        ("seller_id", "id"), ("shipping_limit_date", "ts"),
        ("price", "money"), ("freight_value", "money")]),
    "olist_order_payments_dataset.csv": (103886, [
        ("order_id", "id"), ("payment_sequential", "int"),
        ("payment_type", "text"), ("payment_installments", "int"),
        ("payment_value", "money")]),
    "olist_order_reviews_dataset.csv": (99224, [
        ("review_id", "id"), ("order_id", "id"), ("review_score", "score"),
        ("review_comment_title", "text?"),
        ("review_comment_message", "text?"),
        ("review_creation_date", "ts"), ("review_answer_timestamp", "ts")]),
    "olist_customers_dataset.csv": (99441, [
        ("customer_id", "id"), ("customer_unique_id", "id"),
        ("customer_zip_code_prefix", "zip"), ("customer_city", "text"),
        ("customer_state", "state")]),
    "olist_products_dataset.csv": (32951, [
        ("product_id", "id"), ("product_category_name", "text?"),
        ("product_name_lenght", "int?"),
        ("product_description_lenght", "int?"),
        ("product_photos_qty", "int?"), ("product_weight_g", "int?"),
        ("product_length_cm", "int?"), ("product_height_cm", "int?"),
        ("product_width_cm", "int?")]),
    "olist_sellers_dataset.csv": (3095, [
        ("seller_id", "id"), ("seller_zip_code_prefix", "zip"),
        ("seller_city", "text"), ("seller_state", "state")]),
    "olist_geolocation_dataset.csv": (1000163, [
        ("geolocation_zip_code_prefix", "zip"), ("geolocation_lat", "coord"),
        ("geolocation_lng", "coord"), ("geolocation_city", "text"),
        ("geolocation_state", "state")]),
    "product_category_name_translation.csv": (71, [
        ("product_category_name", "name"),
        ("product_category_name_english", "name")]),
}
STATUSES = {"created", "approved", "invoiced", "processing", "shipped",
            "delivered", "canceled", "unavailable"}
UNTRANSLATED = {"pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos"}
TS_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z")


def valid_ts(v):
    """ts: YYYY-MM-DD HH:MM:SS, a real calendar date and time."""
    if not TS_RE.match(v):
        return False
    try:
        datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
        return True
    except ValueError:
        return False


def valid_int(v):
    """int: decimal digits, no sign, fits 32 bits (signed, as sw/olist.h)."""
    return re.fullmatch(r"[0-9]+", v) is not None and int(v) <= 2147483647


VALID = {
    "id": lambda v: re.fullmatch(r"[0-9a-f]{32}", v) is not None,
    "status": lambda v: v in STATUSES,
    "ts": valid_ts,
    "ts?": lambda v: v == "" or valid_ts(v),
    "int": valid_int,
    "int?": lambda v: v == "" or valid_int(v),
    "score": lambda v: v in ("1", "2", "3", "4", "5"),
    "money": lambda v: re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", v) is not None,
    "zip": lambda v: re.fullmatch(r"[0-9]{1,5}", v) is not None,
    "state": lambda v: re.fullmatch(r"[A-Z]{2}", v) is not None,
    "coord": lambda v: re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) is not None,
    # the file is decoded strictly as UTF-8, so any str here is valid UTF-8
    "text": lambda v: v != "",
    "text?": lambda v: True,
    "name": lambda v: v != "",
}

t = Tap()
tmp = tempfile.mkdtemp(prefix="olist-gen-")
atexit.register(shutil.rmtree, tmp, True)


def gen(out, sf, seed=42, exe=GEN, extra=()):
    """Runs the generator; returns the CompletedProcess."""
    return subprocess.run([exe, "--sf", str(sf), "--seed", str(seed),
                           "--out", out, *extra],
                          capture_output=True, text=True, timeout=120)


def want_rows(base, sf):
    """The contract's count: base * SF rounded, at least 1."""
    return max(1, int(base * sf + 0.5))


def load(d):
    """Every file of d parsed: name -> (header, rows as lists of str)."""
    out = {}
    for name in FILES:
        with open(os.path.join(d, name), encoding="utf-8", errors="strict",
                  newline="") as f:
            r = list(csv.reader(f, strict=True))
        out[name] = (r[0], r[1:])
    return out


def digest(d):
    """sha256 of every file of d."""
    return {n: hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(d))}


def cents(v):
    """Money text to integer cents, exactly."""
    whole, _, frac = v.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def as_dicts(data, name):
    """The rows of a file as dicts keyed by the header."""
    head, rows = data[name]
    return [dict(zip(head, r)) for r in rows]


# ---- determinism, builds, headers, counts -------------------------------

A = os.path.join(tmp, "a")
res = gen(A, 0.02)
if not t.ok(res.returncode == 0, "release build writes SF 0.02",
            res.stderr):
    t.done()
t.eq(sorted(os.listdir(A)), sorted(FILES), "exactly the 9 files, no .tmp")
B = os.path.join(tmp, "b")
gen(B, 0.02)
t.eq(digest(B), digest(A), "same seed and SF: byte-identical files")
if os.path.exists(SAN):
    S = os.path.join(tmp, "san")
    res = gen(S, 0.02, exe=SAN)
    t.ok(res.returncode == 0 and not res.stderr, "sanitizer build runs clean",
         res.stderr)
    t.eq(digest(S), digest(A),
         "sanitizer (glibc) and release (musl) builds write identical bytes")
    shutil.rmtree(S)
else:
    t.ok(False, "sanitizer build exists", SAN)
C = os.path.join(tmp, "c")
gen(C, 0.02, seed=43)
da, dc = digest(A), digest(C)
t.eq(sorted(n for n in da if da[n] == dc[n]),
     ["product_category_name_translation.csv"],
     "another seed changes every file but the fixed translation")
shutil.rmtree(B)
shutil.rmtree(C)

for name, (base, cols) in FILES.items():
    with open(os.path.join(A, name), "rb") as f:
        first = f.readline()
    t.eq(first, (",".join(c for c, _ in cols) + "\n").encode(),
         f"{name}: exact header line")

dry = subprocess.run([GEN, "--sf", "0.02", "--dry-run"], capture_output=True,
                     text=True)
dry_counts = dict((ln.split()[0], int(ln.split()[1]))
                  for ln in dry.stdout.splitlines())
data = load(A)
t.eq({n: len(data[n][1]) for n in FILES},
     {n: (71 if n.startswith("product_category") else want_rows(b, 0.02))
      for n, (b, _) in FILES.items()}, "SF 0.02: row counts scale")
t.eq(dry_counts, {n: len(data[n][1]) for n in FILES},
     "--dry-run prints the counts the files have")


# ---- fields, keys, integrity, consistency -------------------------------

def check_fields(data, label):
    """Every row has the header's field count and every field its type."""
    bad = []
    for name, (_, cols) in FILES.items():
        for i, row in enumerate(data[name][1]):
            if len(row) != len(cols):
                bad.append(f"{name} row {i + 1}: {len(row)} fields")
                continue
            for v, (col, ty) in zip(row, cols):
                if not VALID[ty](v):
                    bad.append(f"{name} row {i + 1}: {col}={v!r} not {ty}")
            if len(bad) > 10:
                break
    t.eq(bad, [], f"{label}: every field passes its AGGREGATES.md type")


def check_integrity(data, label):
    """Unique keys, foreign keys, dates, item/payment sequences, sums."""
    orders = as_dicts(data, "olist_orders_dataset.csv")
    items = as_dicts(data, "olist_order_items_dataset.csv")
    pays = as_dicts(data, "olist_order_payments_dataset.csv")
    revs = as_dicts(data, "olist_order_reviews_dataset.csv")
    custs = as_dicts(data, "olist_customers_dataset.csv")
    prods = as_dicts(data, "olist_products_dataset.csv")
    sellers = as_dicts(data, "olist_sellers_dataset.csv")
    trans = as_dicts(data, "product_category_name_translation.csv")
    keys = [("orders", orders, "order_id"), ("customers", custs, "customer_id"),
            ("products", prods, "product_id"), ("sellers", sellers, "seller_id"),
            ("translation", trans, "product_category_name")]
    t.eq([n for n, rows, k in keys if len({r[k] for r in rows}) != len(rows)],
         [], f"{label}: keys unique in orders, customers, products, "
             "sellers, translation")
    oid = {r["order_id"] for r in orders}
    cid = {r["customer_id"] for r in custs}
    pid = {r["product_id"] for r in prods}
    sid = {r["seller_id"] for r in sellers}
    orphans = {
        "item order": sum(r["order_id"] not in oid for r in items),
        "item product": sum(r["product_id"] not in pid for r in items),
        "item seller": sum(r["seller_id"] not in sid for r in items),
        "payment order": sum(r["order_id"] not in oid for r in pays),
        "review order": sum(r["order_id"] not in oid for r in revs),
        "order customer": sum(r["customer_id"] not in cid for r in orders),
    }
    t.eq(orphans, {k: 0 for k in orphans},
         f"{label}: every foreign key points at an existing row")
    per_cust = collections.Counter(r["customer_id"] for r in orders)
    t.ok(len(custs) == len(orders) and max(per_cust.values()) == 1,
         f"{label}: one customer row per order")
    cats = {r["product_category_name"] for r in prods} - {""}
    names = {r["product_category_name"] for r in trans}
    t.eq(sorted(cats - names - UNTRANSLATED), [],
         f"{label}: categories are the translated names or the 2 untranslated")
    empty_cat = [r for r in prods if r["product_category_name"] == ""]
    t.ok(all(r["product_name_lenght"] == r["product_description_lenght"] ==
             r["product_photos_qty"] == "" for r in empty_cat),
         f"{label}: products without category have empty name/description/"
         "photos")

    bad = []
    for r in orders:
        st, p = r["order_status"], r["order_purchase_timestamp"]
        a, c, d = (r["order_approved_at"], r["order_delivered_carrier_date"],
                   r["order_delivered_customer_date"])
        e = r["order_estimated_delivery_date"]
        if st == "delivered" and not (a and c and d):
            bad.append(f"delivered with an empty date: {r}")
        if d and not (p < d and c and c < d):
            bad.append(f"delivered not after purchase and carrier: {r}")
        if a and not p < a:
            bad.append(f"approved not after purchase: {r}")
        if st == "created" and (a or c or d):
            bad.append(f"created with dates: {r}")
        if st in ("invoiced", "processing", "unavailable", "approved") and \
                (c or d):
            bad.append(f"{st} with carrier/delivered dates: {r}")
        if not e.endswith(" 00:00:00") or e[:10] <= p[:10]:
            bad.append(f"estimated not a later midnight: {r}")
        if not "2016-09-04" <= p[:10] <= "2018-10-17":
            bad.append(f"purchase outside 2016-09-04..2018-10-17: {r}")
        if len(bad) > 5:
            break
    t.eq(bad, [], f"{label}: order dates consistent with the status")
    empty_d = collections.Counter(r["order_status"] for r in orders
                                  if not r["order_delivered_customer_date"])
    t.ok("delivered" not in empty_d and (len(orders) < 100 or empty_d),
         f"{label}: empty delivered dates only on non-delivered orders "
         f"{dict(empty_d)}")

    def sequences(rows, col):
        """Orders whose `col` values are not exactly 1..n."""
        seqs = collections.defaultdict(list)
        for r in rows:
            seqs[r["order_id"]].append(int(r[col]))
        return [o for o, s in seqs.items()
                if sorted(s) != list(range(1, len(s) + 1))]
    t.eq(sequences(items, "order_item_id"), [],
         f"{label}: order_item_id is 1..n per order")
    t.eq(sequences(pays, "payment_sequential"), [],
         f"{label}: payment_sequential is 1..n per order")
    due = collections.Counter()
    for r in items:
        due[r["order_id"]] += cents(r["price"]) + cents(r["freight_value"])
    paid = collections.Counter()
    for r in pays:
        paid[r["order_id"]] += cents(r["payment_value"])
    wrong = [(o, due[o], paid[o]) for o in due if paid[o] != due[o]]
    t.eq(wrong[:5], [], f"{label}: payments sum to items + freight (cents) "
                        f"for all {len(due)} orders with items")
    return orders, items, pays, revs, custs, prods


check_fields(data, "SF 0.02")
check_integrity(data, "SF 0.02")

# ---- raw bytes: quoting, line breaks, UTF-8 -----------------------------
raw = open(os.path.join(A, "olist_order_reviews_dataset.csv"), "rb").read()
quoted = re.findall(rb'(?<=,)"(?:[^"]|"")*"(?=,)', raw)
t.ok(any(b"," in q[1:-1] for q in quoted), "a quoted field holds a comma")
t.ok(any(b'""' in q[1:-1] for q in quoted),
     'a quoted field holds an escaped quote ("")')
t.ok(any(b"\r\n" in q for q in quoted), "a quoted field holds \\r\\n")
t.ok(any(re.search(rb"[^\r]\n", q) for q in quoted),
     "a quoted field holds a bare \\n")
t.ok(all(not ln.endswith(b"\r\n") for n in FILES if "reviews" not in n
        for ln in open(os.path.join(A, n), "rb")),
     "records end with LF, not CRLF")
msgs = [r[4] for r in data["olist_order_reviews_dataset.csv"][1]]
t.ok(any(re.search(r"[ãçéêóúíõô]", m) for m in msgs),
     "review messages hold Portuguese non-ASCII letters")
t.ok(any(ord(ch) > 0xffff for m in msgs for ch in m),
     "review messages hold a 4-byte UTF-8 character")
cities = {r[3] for r in data["olist_customers_dataset.csv"][1]}
t.ok("são paulo" in cities and all(c == c.lower() for c in cities),
     "customer cities are lowercase, with accents (são paulo)")
zips = [r[2] for r in data["olist_customers_dataset.csv"][1]]
t.ok(all(len(z) == 5 for z in zips) and any(z.startswith("0") for z in zips),
     "zip prefixes are 5 digits, leading zeros kept")
shutil.rmtree(A)

# ---- SF 0.05: the real data set's shape ---------------------------------
D = os.path.join(tmp, "d")
gen(D, 0.05, seed=7)
data = load(D)
t.eq({n: len(data[n][1]) for n in FILES},
     {n: (71 if n.startswith("product_category") else want_rows(b, 0.05))
      for n, (b, _) in FILES.items()}, "SF 0.05: row counts scale")
check_fields(data, "SF 0.05")
orders, items, pays, revs, custs, prods = check_integrity(data, "SF 0.05")


def share(rows, pred):
    """The fraction of rows satisfying pred."""
    return sum(1 for r in rows if pred(r)) / len(rows)


def within(v, lo, hi, what):
    """One test: lo <= v <= hi."""
    t.ok(lo <= v <= hi, f"{what}: {v:.4f} in [{lo}, {hi}]")


within(share(orders, lambda r: r["order_status"] == "delivered"), .95, .985,
       "delivered share")
dl = [r for r in orders if r["order_delivered_customer_date"]]
within(share(dl, lambda r: r["order_delivered_customer_date"][:10] >
             r["order_estimated_delivery_date"][:10]), .05, .11,
       "late delivery share")
by_year = collections.Counter(r["order_purchase_timestamp"][:4]
                              for r in orders)
t.ok(by_year["2016"] < by_year["2017"] < by_year["2018"] * 1.3 and
     by_year["2016"] < 0.01 * len(orders), f"orders grow over time {by_year}")
ptypes = collections.Counter(r["payment_type"] for r in pays)
within(ptypes["credit_card"] / len(pays), .68, .80, "credit_card share")
within(ptypes["boleto"] / len(pays), .15, .23, "boleto share")
within(ptypes["voucher"] / len(pays), .03, .08, "voucher share")
t.ok(set(ptypes) <= {"credit_card", "boleto", "voucher", "debit_card",
                     "not_defined"}, f"payment types {sorted(ptypes)}")
t.ok(all(0 <= int(r["payment_installments"]) <= 24 for r in pays),
     "installments within 0..24")
within(share(revs, lambda r: r["review_comment_title"] == ""), .84, .92,
       "empty review titles")
within(share(revs, lambda r: r["review_comment_message"] == ""), .53, .63,
       "empty review messages")
within(share(revs, lambda r: r["review_score"] == "5"), .5, .65,
       "score 5 share")
rid = collections.Counter(r["review_id"] for r in revs)
ro = collections.Counter(r["order_id"] for r in revs)
t.ok(any(n > 1 for n in rid.values()) and any(n > 1 for n in ro.values()) and
     len(ro) < len(orders),
     "a review_id repeats, an order has two reviews, some orders none")
within(len({r["customer_unique_id"] for r in custs}) / len(custs), .93, .99,
       "unique customers share")
within(share(custs, lambda r: r["customer_state"] == "SP"), .37, .47,
       "SP share of customers")
t.ok(len({r["customer_state"] for r in custs}) >= 24,
     "nearly all 27 states appear")
n_items = collections.Counter(r["order_id"] for r in items)
within(share(list(n_items.values()), lambda n: n == 1), .85, .94,
       "orders with one item")
t.ok(max(n_items.values()) >= 5, "some orders have 5+ items")
prices = [r["price"] for r in items]
t.ok(all(re.fullmatch(r"[0-9]+\.[0-9]{2}", p) for p in prices) and
     any(p.endswith(".90") for p in prices) and
     any(p.endswith(".00") for p in prices),
     "prices written with two decimals (58.90, 199.00)")
geo = data["olist_geolocation_dataset.csv"][1]
t.ok(len({r[0] for r in geo}) < len(geo) / 5 and
     any(len(r[1].split(".")[1]) >= 14 for r in geo),
     "geolocation zips repeat, coordinates have many decimals")
shutil.rmtree(D)

# ---- SF 1: the real counts ----------------------------------------------
E = os.path.join(tmp, "e")
res = gen(E, 1)
t.ok(res.returncode == 0, "SF 1 written", res.stderr)
data = load(E)
t.eq({n: len(data[n][1]) for n in FILES}, {n: b for n, (b, _) in FILES.items()},
     "SF 1: the real data set's exact row counts")
prods = as_dicts(data, "olist_products_dataset.csv")
t.eq(sum(r["product_category_name"] == "" for r in prods), 610,
     "SF 1: 610 products without a category")
used = {r["product_category_name"] for r in prods} - {""}
t.ok(len(used) == 73 and UNTRANSLATED <= used,
     "SF 1: all 73 real categories used, 2 without translation")
t.eq(len({r[4] for r in data["olist_customers_dataset.csv"][1]}), 27,
     "SF 1: customers in all 27 states")
del data
shutil.rmtree(E)

# ---- the smallest scale: one row each --------------------------------------
T = os.path.join(tmp, "tiny")
res = gen(T, 0.000001, exe=SAN if os.path.exists(SAN) else GEN)
data = load(T)
t.eq({n: len(data[n][1]) for n in FILES},
     {n: 71 if n.startswith("product_category") else 1 for n in FILES},
     "SF 0.000001: one row per file (71 translations)")
check_fields(data, "SF 0.000001")
check_integrity(data, "SF 0.000001")
shutil.rmtree(T)

# ---- --bom, bad arguments, unwritable output ----------------------------
F, G = os.path.join(tmp, "f"), os.path.join(tmp, "g")
gen(F, 0.001)
gen(G, 0.001, extra=("--bom",))
t.ok(all(open(os.path.join(G, n), "rb").read() ==
         b"\xef\xbb\xbf" + open(os.path.join(F, n), "rb").read()
         for n in FILES), "--bom: a BOM before the same bytes")
shutil.rmtree(F)
shutil.rmtree(G)

H = os.path.join(tmp, "h")
for args in (["--sf", "0"], ["--sf", "abc"], ["--sf", "-1"], ["--sf", "nan"],
             ["--sf", "101"], ["--sf"], ["--seed", "x"], ["--seed", "-1"],
             ["--seed", "99999999999999999999"], ["--bogus"], ["--out="],
             ["--sf=1"]):
    extra = [] if args in (["--out="], ["--sf=1"]) else ["--out", H]
    res = subprocess.run([GEN, *args, *extra], capture_output=True,
                         text=True)
    t.ok(res.returncode == 2 and res.stderr.count("\n") == 1 and
         res.stdout == "" and not os.path.exists(H),
         f"bad arguments {args}: exit 2, one line, nothing written",
         f"rc={res.returncode} stderr={res.stderr!r}")
blocker = os.path.join(tmp, "file")
open(blocker, "w").close()
res = subprocess.run([GEN, "--sf", "0.001", "--out", blocker + "/x"],
                     capture_output=True, text=True)
t.ok(res.returncode == 1 and res.stderr.count("\n") == 1,
     "unwritable --out: exit 1, one line", res.stderr)
os.remove(blocker)

t.done()
