/*
 * test_property.c: the pager against a plain model (suite 'property';
 * a long run in 'slow').
 *
 * Long random sequences of operations run on the in-memory machine with
 * real swap files, and on a model that is nothing but the bytes each
 * object should hold:
 *
 *   create, write, read, pageout (pagedaemon passes, uao_put with
 *   CLEANIT/DEACTIVATE/FREE), swapoff (then swapon of a fresh device),
 *   discard (uao_put PGO_FREE), extra references, detach, and injected
 *   swap I/O errors.
 *
 * After every step the invariants of DESIGN.md section 3 are checked
 * (uvm_check), and every read, and every few steps a whole object, must
 * equal the model byte for byte.  A read error may lose a page (its slot
 * becomes SWSLOT_BAD): the model then expects -EFAULT there until the
 * page is discarded, and never zeros.
 *
 * Environment: UAO_SEED (replay one sequence), UAO_PROPERTY_OPS (steps
 * per round), UAO_PROPERTY_ROUNDS, UAO_PROPERTY_PDAEMON=1 (run the
 * pagedaemon thread too: the same steps, but its timing is the
 * scheduler's, so a failure may need a few replays).  The seed is printed
 * first.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "common/harness.h"

#define MAXOBJ	     4
#define MAXPAGES     160 /* per object */
#define TOTALPAGES   400 /* all objects: fits in one device plus RAM */
#define DEVPAGES     256
#define MAXDEVS	     2
#define NFRAMES	     48
#define MAXACCESS    (3 * PAGE_SIZE)
#define VERIFY_EVERY 32

struct mobj {
	struct uvm_object *m_uobj; /* NULL: slot unused */
	int m_npages;
	int m_refs;	  /* extra references we hold */
	uint8_t *m_bytes; /* the model */
	bool *m_lost;	  /* slot went bad: reads must fail */
};

struct prop {
	struct harness p_h;
	uint64_t p_seed;
	uint64_t p_rng;
	long p_step;
	const char *p_op;
	struct mobj p_obj[MAXOBJ];
	int p_dev[MAXDEVS];
	int p_ndev;
	int p_devname; /* next swap file number */
	/* what happened, for the report */
	long p_nswapoff_ok, p_nswapoff_nomem, p_nlost, p_nops[16];
};

static uint64_t prop_seed;
static long prop_ops;
static bool prop_pdaemon;

/* the next draw of the sequence's generator (base/rng.h) */
static uint64_t
rnd(struct prop *p)
{
	return rng_next(&p->p_rng);
}

/* a draw in [0, n) */
static int
rndn(struct prop *p, int n)
{
	return (int)rng_below(&p->p_rng, (uint64_t)n);
}

/* only a failure reaches libcheck: a passing ck_assert costs a write(2) */
#define P_ASSERT(p, e, fmt, ...)                                               \
	do {                                                                   \
		if (!(e))                                                      \
			ck_abort_msg("seed 0x%" PRIx64 " step %ld (%s): " fmt, \
			    (p)->p_seed, (p)->p_step, (p)->p_op,               \
			    ##__VA_ARGS__);                                    \
	} while (0)

static int
total_pages(struct prop *p)
{
	int n = 0;

	for (int i = 0; i < MAXOBJ; i++)
		n += p->p_obj[i].m_uobj != NULL ? p->p_obj[i].m_npages : 0;
	return n;
}

/* a random live object, or NULL */
static struct mobj *
pick(struct prop *p)
{
	int live[MAXOBJ], n = 0;

	for (int i = 0; i < MAXOBJ; i++) {
		if (p->p_obj[i].m_uobj != NULL)
			live[n++] = i;
	}
	return n == 0 ? NULL : &p->p_obj[live[rndn(p, n)]];
}

/* a random byte range [*offp, *offp + *lenp) of m, up to max bytes */
static void
pick_range(struct prop *p, struct mobj *m, size_t max, size_t *offp,
    size_t *lenp)
{
	size_t size = (size_t)m->m_npages * PAGE_SIZE;
	size_t off, len;

	/* page-aligned half the time: whole pages are the common case */
	off = (size_t)rndn(p, m->m_npages) * PAGE_SIZE;
	if (rndn(p, 2))
		off += (size_t)rndn(p, PAGE_SIZE);
	len = 1 + (size_t)rndn(p, (int)max);
	if (len > size - off)
		len = size - off;
	*offp = off;
	*lenp = len;
}

/*
 * Pages whose slot went bad (a read error, perhaps of a read-ahead
 * neighbour) are lost: the model learns it from the slot store.
 */
static void
scan_lost(struct prop *p)
{
	for (int i = 0; i < MAXOBJ; i++) {
		struct mobj *m = &p->p_obj[i];

		if (m->m_uobj == NULL)
			continue;
		for (int pg = 0; pg < m->m_npages; pg++) {
			bool bad = harness_slot(m->m_uobj, pg) == SWSLOT_BAD;

			if (bad && !m->m_lost[pg]) {
				m->m_lost[pg] = true;
				p->p_nlost++;
			}
			P_ASSERT(p, bad == m->m_lost[pg],
			    "object %d page %d: lost %d, slot bad %d", i, pg,
			    m->m_lost[pg], bad);
		}
	}
}

/* the first lost page of [off, off+len), or -1 */
static int
first_lost(struct mobj *m, size_t off, size_t len)
{
	for (size_t pg = off / PAGE_SIZE; pg <= (off + len - 1) / PAGE_SIZE;
	     pg++) {
		if (m->m_lost[pg])
			return (int)pg;
	}
	return -1;
}

/*
 * An access either succeeds, or fails with -EFAULT at the first lost
 * page, everything before it done.  Returns the bytes done.
 */
static size_t
check_access(struct prop *p, struct mobj *m, size_t off, size_t len, int rv)
{
	int fp;

	scan_lost(p);
	fp = first_lost(m, off, len);
	if (fp < 0) {
		P_ASSERT(p, rv == 0, "access [%zu,+%zu) returned %d", off, len,
		    rv);
		return len;
	}
	P_ASSERT(p, rv == -EFAULT,
	    "access [%zu,+%zu) over lost page %d returned %d", off, len, fp,
	    rv);
	return (size_t)fp * PAGE_SIZE > off ? (size_t)fp * PAGE_SIZE - off : 0;
}

static void
op_create(struct prop *p)
{
	static const int sizes[] = { 1, 3, 8, UAO_SWHASH_THRESHOLD,
		UAO_SWHASH_THRESHOLD + 1, 100, MAXPAGES };
	struct mobj *m = NULL;
	int npages;

	for (int i = 0; i < MAXOBJ; i++) {
		if (p->p_obj[i].m_uobj == NULL) {
			m = &p->p_obj[i];
			break;
		}
	}
	npages = sizes[rndn(p, (int)(sizeof(sizes) / sizeof(sizes[0])))];
	if (m == NULL || total_pages(p) + npages > TOTALPAGES)
		return;
	m->m_uobj = harness_aobj(&p->p_h, npages);
	m->m_npages = npages;
	m->m_refs = 0;
	m->m_bytes = calloc((size_t)npages, PAGE_SIZE);
	m->m_lost = calloc((size_t)npages, sizeof(bool));
	P_ASSERT(p, m->m_bytes != NULL && m->m_lost != NULL, "calloc");
}

static void op_read(struct prop *p, struct mobj *m, size_t off, size_t len);

static void
op_write(struct prop *p)
{
	struct mobj *m = pick(p);
	uint8_t buf[MAXACCESS];
	size_t off, len, done;
	uint64_t x = 0;

	if (m == NULL)
		return;
	pick_range(p, m, MAXACCESS, &off, &len);
	for (size_t i = 0; i < len; i++) {
		if ((i & 7) == 0)
			x = rnd(p);
		buf[i] = (uint8_t)(x >> ((i & 7) * 8));
	}
	/* a run of zeros now and then: zero pages must not be special */
	if (rndn(p, 8) == 0)
		memset(buf, 0, len);
	done = check_access(p, m, off, len,
	    pmap_mem_access(m->m_uobj, (voff_t)off, buf, len, true));
	memcpy(m->m_bytes + off, buf, done);
	/* and read it back now and then, before anything else happens */
	if (done > 0 && rndn(p, 4) == 0)
		op_read(p, m, off, done);
}

static void
op_read(struct prop *p, struct mobj *m, size_t off, size_t len)
{
	uint8_t buf[MAXACCESS];
	size_t done;

	P_ASSERT(p, len <= MAXACCESS, "read too long");
	done = check_access(p, m, off, len,
	    pmap_mem_access(m->m_uobj, (voff_t)off, buf, len, false));
	if (memcmp(buf, m->m_bytes + off, done) != 0) {
		size_t k = 0;

		while (buf[k] == m->m_bytes[off + k])
			k++;
		P_ASSERT(p, false,
		    "object %d byte %zu (page %zu) reads 0x%02x, model 0x%02x",
		    (int)(m - p->p_obj), off + k, (off + k) / PAGE_SIZE, buf[k],
		    m->m_bytes[off + k]);
	}
}

static void
op_read_random(struct prop *p)
{
	struct mobj *m = pick(p);
	size_t off, len;

	if (m == NULL)
		return;
	pick_range(p, m, MAXACCESS, &off, &len);
	op_read(p, m, off, len);
}

/* every byte of one object, page by page (lost pages alone fail) */
static void
verify_object(struct prop *p, struct mobj *m)
{
	for (int pg = 0; pg < m->m_npages; pg++)
		op_read(p, m, (size_t)pg * PAGE_SIZE, PAGE_SIZE);
}

/* page writes that failed, on every device there is */
static uint64_t
write_errors(struct prop *p)
{
	struct swap_devinfo devs[MAXDEVS];
	int n = swap_list(p->p_h.h_uvm->swap, devs, MAXDEVS);
	uint64_t sum = 0;

	for (int d = 0; d < n && d < MAXDEVS; d++)
		sum += devs[d].si_nwriteerr;
	return sum;
}

static void
op_pageout(struct prop *p)
{
	struct mobj *m = pick(p);
	static const int flags[] = { PGO_CLEANIT | PGO_FREE, PGO_DEACTIVATE,
		PGO_CLEANIT, PGO_CLEANIT | PGO_DEACTIVATE };
	size_t off, len;
	uint64_t werr0;
	int f, rv;

	switch (rndn(p, 4)) {
	case 0:
		harness_pageout_all(&p->p_h);
		return;
	case 1:
		uvm_pdaemon_pass(p->p_h.h_uvm);
		return;
	default:
		break;
	}
	if (m == NULL)
		return;
	pick_range(p, m, (size_t)m->m_npages * PAGE_SIZE, &off, &len);
	f = flags[rndn(p, 4)];
	if (rndn(p, 4) == 0)
		f |= PGO_ALLPAGES;
	werr0 = write_errors(p);
	uvm_lock(&m->m_uobj->vmobjlock);
	rv = uao_put(m->m_uobj, (voff_t)off, (voff_t)(off + len), f);
	/*
	 * Swap is sized never to fill, bad slots and all: a page left dirty
	 * must be an injected write error (reported as -ENOSPC too).
	 */
	P_ASSERT(p, rv == 0 || (rv == -ENOSPC && write_errors(p) > werr0),
	    "uao_put(0x%x) returned %d", f, rv);
}

static void
op_discard(struct prop *p)
{
	struct mobj *m = pick(p);
	size_t off, len, first, last;
	int rv;

	if (m == NULL)
		return;
	pick_range(p, m, (size_t)m->m_npages * PAGE_SIZE, &off, &len);
	uvm_lock(&m->m_uobj->vmobjlock);
	rv = uao_put(m->m_uobj, (voff_t)off, (voff_t)(off + len), PGO_FREE);
	P_ASSERT(p, rv == 0, "uao_put(PGO_FREE) returned %d", rv);
	if (m->m_refs > 0)
		return; /* shared: only deactivated */
	/* whole pages: trunc_page(start) .. round_page(stop) */
	first = off / PAGE_SIZE;
	last = (off + len + PAGE_SIZE - 1) / PAGE_SIZE;
	memset(m->m_bytes + first * PAGE_SIZE, 0, (last - first) * PAGE_SIZE);
	for (size_t pg = first; pg < last; pg++) {
		if (m->m_lost[pg]) {
			/* the program maps the range afresh, as after
			 * munmap+mmap: the poison goes with the old one */
			pmap_mem_discard(m->m_uobj, (int)pg);
			m->m_lost[pg] = false;
		}
	}
}

static void
op_ref(struct prop *p)
{
	struct mobj *m = pick(p);

	if (m == NULL)
		return;
	if (m->m_refs > 0 && rndn(p, 2) == 0) {
		if (rndn(p, 2)) {
			uao_detach(m->m_uobj);
		} else {
			uvm_lock(&m->m_uobj->vmobjlock);
			uao_detach_locked(m->m_uobj);
		}
		m->m_refs--;
	} else if (m->m_refs < 3) {
		uao_reference(m->m_uobj);
		m->m_refs++;
	}
}

static void
detach_obj(struct prop *p, struct mobj *m)
{
	while (m->m_refs > 0) {
		uao_detach(m->m_uobj);
		m->m_refs--;
	}
	/* freed by uao_put first, or by the last detach itself */
	if (rndn(p, 2))
		harness_aobj_free(m->m_uobj);
	else
		harness_aobj_drop(m->m_uobj);
	free(m->m_bytes);
	free(m->m_lost);
	memset(m, 0, sizeof(*m));
}

static void
op_detach(struct prop *p)
{
	struct mobj *m = pick(p);

	if (m != NULL)
		detach_obj(p, m);
}

static void
swapon_new(struct prop *p)
{
	char name[32];
	int id;

	snprintf(name, sizeof(name), "swap%d", p->p_devname++);
	id = harness_swapon(&p->p_h, name, DEVPAGES, rndn(p, 2));
	P_ASSERT(p, id > 0, "swapon %s: %d", name, id);
	p->p_dev[p->p_ndev++] = id;
}

static void
op_swapoff(struct prop *p)
{
	struct swap_devinfo si;
	int d = rndn(p, p->p_ndev), rv;

	rv = swap_off(p->p_h.h_uvm->swap, p->p_dev[d], NULL);
	if (rv == -ENOMEM) {
		/* RAM and the other device could not take it all */
		P_ASSERT(p, harness_devinfo(&p->p_h, p->p_dev[d], &si) == 0,
		    "device gone after ENOMEM");
		P_ASSERT(p, si.si_flags & SWF_ENABLE, "device disabled");
		p->p_nswapoff_nomem++;
		return;
	}
	P_ASSERT(p, rv == 0, "swap_off returned %d", rv);
	P_ASSERT(p, harness_devinfo(&p->p_h, p->p_dev[d], &si) == -ENXIO,
	    "device still listed");
	p->p_dev[d] = p->p_dev[--p->p_ndev];
	p->p_nswapoff_ok++;
	swapon_new(p);
}

static void
op_inject(struct prop *p)
{
	int id = p->p_dev[rndn(p, p->p_ndev)];
	int rv;

	if (rndn(p, 2)) {
		/* one read fails soon: a page is lost (or a neighbour) */
		rv = swap_set_faults(p->p_h.h_uvm->swap, id, 0,
		    1 + (uint64_t)rndn(p, 16), 0, 0);
	} else {
		/*
		 * Writes fail now and then (or no longer): nothing may be
		 * lost.  Each failure retires a slot until swapoff, so
		 * keep the rate low enough that swap never fills.
		 */
		rv = swap_set_faults(p->p_h.h_uvm->swap, id, 1, 0,
		    rndn(p, 2) ? (uint32_t)rndn(p, 20000) : 0, rnd(p));
	}
	P_ASSERT(p, rv == 0, "swap_set_faults: %d", rv);
}

enum {
	OP_CREATE,
	OP_WRITE,
	OP_READ,
	OP_PAGEOUT,
	OP_SWAPOFF,
	OP_DISCARD,
	OP_REF,
	OP_DETACH,
	OP_INJECT,
	OP_VERIFY,
	NOPS
};
static const char *const op_names[NOPS] = { "create", "write", "read",
	"pageout", "swapoff", "discard", "ref", "detach", "inject", "verify" };
/* relative frequencies */
static const int op_weight[NOPS] = { 4, 40, 25, 10, 2, 5, 3, 2, 1, 2 };

static int
pick_op(struct prop *p)
{
	int total = 0, r;

	for (int i = 0; i < NOPS; i++)
		total += op_weight[i];
	r = rndn(p, total);
	for (int i = 0; i < NOPS; i++) {
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_READ;
}

static void
run_sequence(uint64_t seed, long nops)
{
	struct prop *p = calloc(1, sizeof(*p));
	char why[256];
	int error;

	ck_assert_ptr_nonnull(p);
	p->p_seed = seed;
	p->p_rng = seed;
	printf("property: seed 0x%" PRIx64 ", %ld steps (replay: "
	       "UAO_SEED=0x%" PRIx64 " UAO_PROPERTY_OPS=%ld "
	       "UAO_PROPERTY_ROUNDS=1)\n",
	    seed, nops, seed, nops);
	fflush(stdout);

	harness_init(&p->p_h, NFRAMES);
	swapon_new(p);
	swapon_new(p);
	/* the pagedaemon thread as well: the same steps, racing it */
	if (prop_pdaemon)
		ck_assert_int_eq(uvm_pdaemon_start(p->p_h.h_uvm), 0);
	for (p->p_step = 0; p->p_step < nops; p->p_step++) {
		int op = pick_op(p);

		p->p_op = op_names[op];
		p->p_nops[op]++;

		switch (op) {
		case OP_CREATE:
			op_create(p);
			break;
		case OP_WRITE:
			op_write(p);
			break;
		case OP_READ:
			op_read_random(p);
			break;
		case OP_PAGEOUT:
			op_pageout(p);
			break;
		case OP_SWAPOFF:
			op_swapoff(p);
			break;
		case OP_DISCARD:
			op_discard(p);
			break;
		case OP_REF:
			op_ref(p);
			break;
		case OP_DETACH:
			op_detach(p);
			break;
		case OP_INJECT:
			op_inject(p);
			break;
		case OP_VERIFY: {
			struct mobj *m = pick(p);

			if (m != NULL)
				verify_object(p, m);
			break;
		}
		}
		scan_lost(p);
		/* DESIGN.md section 3, after every step */
		while ((error = uvm_check(p->p_h.h_uvm, why, sizeof(why))) ==
		    -EAGAIN)
			continue;
		P_ASSERT(p, error == 0, "invariant broken: %s", why);
		if (p->p_step % VERIFY_EVERY == VERIFY_EVERY - 1) {
			for (int i = 0; i < MAXOBJ; i++) {
				if (p->p_obj[i].m_uobj != NULL)
					verify_object(p, &p->p_obj[i]);
			}
		}
	}

	/* the end: every object equal to its model, then all of it freed */
	p->p_op = "final";
	uvm_pdaemon_stop(p->p_h.h_uvm);
	for (int i = 0; i < MAXOBJ; i++) {
		if (p->p_obj[i].m_uobj != NULL)
			verify_object(p, &p->p_obj[i]);
	}
	harness_check(&p->p_h);
	printf("property: seed 0x%" PRIx64 ": ok; swapoff %ld ok, %ld ENOMEM; "
	       "%ld pages lost to injected read errors; pageins %" PRIu64
	       ", pageouts %" PRIu64 "\n",
	    seed, p->p_nswapoff_ok, p->p_nswapoff_nomem, p->p_nlost,
	    (uint64_t)p->p_h.h_uvm->exp.pageins,
	    (uint64_t)p->p_h.h_uvm->exp.pageouts);
	fflush(stdout);
	for (int i = 0; i < MAXOBJ; i++) {
		if (p->p_obj[i].m_uobj != NULL)
			detach_obj(p, &p->p_obj[i]);
	}
	P_ASSERT(p, swap_swpginuse(p->p_h.h_uvm->swap) == 0,
	    "slots left in use");
	P_ASSERT(p, swap_swpgonly(p->p_h.h_uvm->swap) == 0, "swpgonly left");
	harness_fini(&p->p_h);
	free(p);
}

START_TEST(test_property_sequence)
{
	/* each round its own seed, derived from the base seed */
	run_sequence(prop_seed + (uint64_t)_i, prop_ops);
}
END_TEST

int
main(void)
{
	const char *s;
	int rounds = 3, failed;
	Suite *suite;
	TCase *tc;
	SRunner *sr;

	prop_seed = 0x5eed0000a0b1ULL;
	prop_ops = 5000;
	if ((s = getenv("UAO_SEED")) != NULL && *s != '\0') {
		prop_seed = strtoull(s, NULL, 0);
		rounds = 1;
	}
	if ((s = getenv("UAO_PROPERTY_OPS")) != NULL && *s != '\0')
		prop_ops = strtol(s, NULL, 0);
	if ((s = getenv("UAO_PROPERTY_ROUNDS")) != NULL && *s != '\0')
		rounds = atoi(s);
	if ((s = getenv("UAO_PROPERTY_PDAEMON")) != NULL && *s != '\0')
		prop_pdaemon = atoi(s) != 0;
	printf("property: base seed 0x%" PRIx64 ", %d rounds of %ld steps%s\n",
	    prop_seed, rounds, prop_ops,
	    prop_pdaemon ? ", pagedaemon thread running" : "");
	fflush(stdout);

	suite = suite_create("property");
	tc = tcase_create("sequence");
	/* the long run in 'slow' sets its own limit through meson */
	tcase_set_timeout(tc, 0);
	tcase_add_loop_test(tc, test_property_sequence, 0, rounds);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
