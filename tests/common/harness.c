/*
 * harness.c: see harness.h.
 */
#include <dirent.h>
#include <limits.h>
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/rng.h"
#include "common/harness.h"

/*
 * Every test program that links the harness works in one private
 * directory: TMPDIR points into it for the whole run (harness_init's and
 * the tests' own directories, anonymous swap files), and the process that
 * made it removes it with whatever is left at its exit.  A failing test's
 * forked child, or one expected to abort, never reaches its teardown: its
 * directory used to stay in /tmp.
 */
static char harness_tmpdir[64];
static pid_t harness_tmpowner;

static int
harness_rm_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* at exit of the process that made it (not of a forked child) */
static void
harness_tmp_remove(void)
{
	if (harness_tmpowner == getpid())
		nftw(harness_tmpdir, harness_rm_entry, 16,
		    FTW_DEPTH | FTW_PHYS);
}

__attribute__((constructor)) static void
harness_tmp_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(harness_tmpdir, sizeof(harness_tmpdir), "%s/uaotests.XXXXXX",
	    tmp != NULL && tmp[0] == '/' && strlen(tmp) < 24 ? tmp : "/tmp");
	if (mkdtemp(harness_tmpdir) == NULL)
		return; /* the tests then use $TMPDIR as it was */
	harness_tmpowner = getpid();
	setenv("TMPDIR", harness_tmpdir, 1);
	atexit(harness_tmp_remove);
}

void
harness_init(struct harness *h, int nframes)
{
	const char *tmp = getenv("TMPDIR");

	memset(h, 0, sizeof(*h));
	snprintf(h->h_dir, sizeof(h->h_dir), "%s/uaotest.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(h->h_dir));
	h->h_pmap = pmap_mem_create(nframes);
	ck_assert_ptr_nonnull(h->h_pmap);
	h->h_uvm = uvm_create(nframes, h->h_pmap);
	ck_assert_ptr_nonnull(h->h_uvm);
}

const char *
harness_path(struct harness *h, const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", h->h_dir, name);
	return path;
}

/* harness_rmdir: remove dir and the files in it (no subdirectories) */
static void
harness_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

void
harness_fini(struct harness *h)
{
	struct swap_devinfo devs[16];
	int n;

	harness_check(h);
	uvm_pdaemon_stop(h->h_uvm);
	n = swap_list(h->h_uvm->swap, devs, 16);
	for (int i = 0; i < n && i < 16; i++)
		ck_assert_int_eq(swap_off(h->h_uvm->swap, devs[i].si_id, NULL),
		    0);
	uvm_destroy(h->h_uvm);
	pmap_mem_destroy(h->h_pmap);
	/*
	 * remove the directory and every swap file made in it, on or off
	 * (a property run turns a thousand devices on and off: left
	 * behind, they filled the disk)
	 */
	harness_rmdir(h->h_dir);
}

int
harness_swapon(struct harness *h, const char *name, int npages, int prio)
{
	return swap_on(h->h_uvm->swap, name ? harness_path(h, name) : NULL,
	    (uint64_t)npages * PAGE_SIZE, prio, 0, h->h_dir);
}

struct uvm_object *
harness_aobj(struct harness *h, int npages)
{
	struct uvm_object *uobj;

	uobj = uao_create(h->h_uvm, (vsize_t)npages * PAGE_SIZE, 0);
	ck_assert_ptr_nonnull(uobj);
	ck_assert_int_eq(pmap_mem_map(h->h_pmap, uobj), 0);
	return uobj;
}

void
harness_aobj_free(struct uvm_object *uobj)
{
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE);
	pmap_mem_unmap(uobj);
	uao_detach(uobj);
}

uint64_t
harness_pattern(int idx, int w, uint64_t gen)
{
	return rng_mix(
	    ((uint64_t)idx << 32) ^ ((uint64_t)w << 8) ^ (gen * RNG_GOLDEN));
}

int
harness_write_page(struct uvm_object *uobj, int idx, uint64_t gen)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (int w = 0; w < PAGE_SIZE / 8; w++)
		buf[w] = harness_pattern(idx, w, gen);
	return pmap_mem_access(uobj, (voff_t)idx << PAGE_SHIFT, buf, PAGE_SIZE,
	    true);
}

int
harness_verify_page(struct uvm_object *uobj, int idx, uint64_t gen)
{
	uint64_t buf[PAGE_SIZE / 8];
	int error;

	error = pmap_mem_access(uobj, (voff_t)idx << PAGE_SHIFT, buf, PAGE_SIZE,
	    false);
	if (error != 0)
		return error;
	for (int w = 0; w < PAGE_SIZE / 8; w++) {
		uint64_t want = gen == 0 ? 0 : harness_pattern(idx, w, gen);

		if (buf[w] != want)
			return 1;
	}
	return 0;
}

void
harness_check(struct harness *h)
{
	char why[256];
	int error;

	while ((error = uvm_check(h->h_uvm, why, sizeof(why))) == -EAGAIN)
		usleep(1000);
	ck_assert_msg(error == 0, "invariant broken: %s", why);
}

void
harness_pageout_all(struct harness *h)
{
	struct uvm *uvm = h->h_uvm;
	int saved_targ, saved_pct;

	uvm_lock(&uvm->pq_lock);
	saved_targ = uvm->freetarg;
	saved_pct = uvm->inactarg_pct;
	uvm->freetarg = uvm->nframes;
	uvm->inactarg_pct = 100;
	uvm_unlock(&uvm->pq_lock);
	while (uvm_pdaemon_pass(uvm) > 0)
		continue;
	uvm_lock(&uvm->pq_lock);
	uvm->freetarg = saved_targ;
	uvm->inactarg_pct = saved_pct;
	uvm_unlock(&uvm->pq_lock);
}

int
harness_resident(struct uvm_object *uobj)
{
	int n;

	uvm_lock(&uobj->vmobjlock);
	n = uobj->uo_npages;
	uvm_unlock(&uobj->vmobjlock);
	return n;
}

int
harness_devinfo(struct harness *h, int id, struct swap_devinfo *si)
{
	struct swap_devinfo devs[16];
	int n = swap_list(h->h_uvm->swap, devs, 16);

	for (int i = 0; i < n && i < 16; i++) {
		if (devs[i].si_id == id) {
			*si = devs[i];
			return 0;
		}
	}
	return -ENXIO;
}

void
harness_aobj_drop(struct uvm_object *uobj)
{
	/* inactive pages are unmapped: the mapping can then go */
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_DEACTIVATE);
	pmap_mem_unmap(uobj);
	uao_detach(uobj);
}

int
harness_slot(struct uvm_object *uobj, int idx)
{
	int slot;

	uvm_lock(&uobj->vmobjlock);
	slot = uao_find_swslot(uobj, idx);
	uvm_unlock(&uobj->vmobjlock);
	return slot;
}

struct vm_page *
harness_page(struct uvm_object *uobj, int idx)
{
	struct vm_page *pg;

	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, (voff_t)idx << PAGE_SHIFT);
	uvm_unlock(&uobj->vmobjlock);
	return pg;
}

struct vm_page *
harness_busy(struct uvm_object *uobj, int idx)
{
	struct vm_page *pg;

	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, (voff_t)idx << PAGE_SHIFT);
	ck_assert_ptr_nonnull(pg);
	ck_assert_int_eq(pg->flags & PG_BUSY, 0);
	pg->flags |= PG_BUSY;
	uvm_page_own(pg, "harness_busy");
	uvm_unlock(&uobj->vmobjlock);
	return pg;
}

void
harness_unbusy(struct uvm_object *uobj, struct vm_page *pg)
{
	uvm_lock(&uobj->vmobjlock);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);
}

void
harness_wait_wanted(struct uvm_object *uobj, struct vm_page *pg)
{
	for (;;) {
		bool wanted;

		uvm_lock(&uobj->vmobjlock);
		wanted = (pg->flags & PG_WANTED) != 0;
		uvm_unlock(&uobj->vmobjlock);
		if (wanted)
			return;
		usleep(1000);
	}
}
