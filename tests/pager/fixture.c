/*
 * fixture.c: the pager suite's shared fixtures and helpers (see
 * pager_test.h).
 */
#include "pager_test.h"

struct harness fx;
int fx_swapid;

void
fx_machine16_setup(void)
{
	harness_init(&fx, 16);
}

void
fx_swap16_setup(void)
{
	harness_init(&fx, 16);
	fx_swapid = harness_swapon(&fx, "swap0", 64, 0);
	ck_assert_int_gt(fx_swapid, 0);
}

void
fx_swap32_setup(void)
{
	harness_init(&fx, 32);
	fx_swapid = harness_swapon(&fx, "swap0", 64, 0);
	ck_assert_int_gt(fx_swapid, 0);
}

void
fx_machine_teardown(void)
{
	harness_fini(&fx);
}

void
start_sleeper(pthread_t *tp, void *(*fn)(void *), void *arg,
    struct uvm_object *uobj, struct vm_page *pg)
{
	ck_assert_int_eq(pthread_create(tp, NULL, fn, arg), 0);
	harness_wait_wanted(uobj, pg);
}

void
count_pages(struct uvm_object *uobj, int *resp, int *swonlyp, int *slotsp)
{
	int res = 0, swonly = 0, slots = 0;

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < uao_npages(uobj); i++) {
		bool r = uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT) != NULL;
		int slot = uao_find_swslot(uobj, i);

		res += r;
		slots += slot > 0;
		swonly += !r && slot > 0;
	}
	uvm_unlock(&uobj->vmobjlock);
	if (resp != NULL)
		*resp = res;
	if (swonlyp != NULL)
		*swonlyp = swonly;
	if (slotsp != NULL)
		*slotsp = slots;
}

/*
 * Fill every frame with dirty pages, written at even indices so that no
 * fault-ahead zero-fills a neighbour: exactly one frame per write.
 */
void
fill_frames(struct harness *h, struct uvm_object *uobj, uint64_t gen)
{
	int nframes = h->h_uvm->nframes;

	for (int i = 0; i < nframes; i++)
		ck_assert_int_eq(harness_write_page(uobj, 2 * i, gen), 0);
	ck_assert_int_eq(h->h_uvm->free, 0);
}
