/*
 * test_contract.c: contracts (TCase contract): the lock order taken in
 * order passes; each broken contract aborts (SIGABRT).
 */
#include "pager_test.h"

/*
 * contracts: broken ones abort
 *
 * The lock order (uvm_int.h: object lock -> uao_list_lock -> page queues)
 * is one: test_lockorder_in_order (TCase aobj) takes it as the code does,
 * and a wait against it aborts.
 */

START_TEST(test_lockorder_in_order)
{
	struct uvm *uvm;
	struct uvm_object *uobj;

	uvm = fx.h_uvm;
	uobj = harness_aobj(&fx, 8);

	/* object, then list, then page queues: waits in order */
	uvm_lock(&uobj->vmobjlock);
	uvm_lock(&uvm->uao_list_lock);
	uvm_lock(&uvm->pq_lock);
	uvm_unlock(&uvm->pq_lock);
	uvm_unlock(&uvm->uao_list_lock);
	uvm_unlock(&uobj->vmobjlock);

	/* against the order by trylock only, as the pagedaemon does */
	uvm_lock(&uvm->pq_lock);
	ck_assert(uvm_trylock(&uobj->vmobjlock));
	uvm_unlock(&uobj->vmobjlock);
	uvm_unlock(&uvm->pq_lock);
	uvm_lock(&uvm->uao_list_lock);
	ck_assert(uvm_trylock(&uobj->vmobjlock));
	uvm_unlock(&uobj->vmobjlock);
	uvm_unlock(&uvm->uao_list_lock);

	/* the last detach leaves the list holding its object */
	ck_assert_int_eq(harness_write_page(uobj, 0, 1), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE), 0);
	pmap_mem_unmap(uobj);
	uvm_lock(&uobj->vmobjlock);
	uao_detach_locked(uobj);
	ck_assert_ptr_null(LIST_FIRST(&uvm->uao_list));
	ck_assert(!uvm_lock_held(&uvm->uao_list_lock));
	harness_check(&fx);
}
END_TEST

START_TEST(test_contract_lockorder_list_object)
{
	struct uvm_object *uobj;

	uobj = harness_aobj(&fx, 8);
	uvm_lock(&fx.h_uvm->uao_list_lock);
	uvm_lock(&uobj->vmobjlock); /* aborts: the object comes first */
}
END_TEST

START_TEST(test_contract_lockorder_pq_list)
{

	uvm_lock(&fx.h_uvm->pq_lock);
	uvm_lock(&fx.h_uvm->uao_list_lock); /* aborts */
}
END_TEST

START_TEST(test_contract_lockorder_pq_object)
{
	struct uvm_object *uobj;

	uobj = harness_aobj(&fx, 8);
	uvm_lock(&fx.h_uvm->pq_lock);
	uvm_lock(&uobj->vmobjlock); /* aborts */
}
END_TEST

START_TEST(test_contract_noswap_slot)
{
	struct uvm_object *uobj;

	uobj = uao_create(fx.h_uvm, 8 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	uvm_lock(&uobj->vmobjlock);
	uao_set_swslot(uobj, 0, 5);
}
END_TEST

START_TEST(test_contract_put_flags)
{
	struct uvm_object *uobj;

	uobj = harness_aobj(&fx, 8);
	ck_assert_int_eq(harness_write_page(uobj, 0, 1), 0);
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0,
	    PGO_ALLPAGES | PGO_CLEANIT | PGO_FREE | PGO_DEACTIVATE);
}
END_TEST

START_TEST(test_contract_get_unlocked)
{
	struct uvm_object *uobj;
	struct vm_page *pps[1] = { NULL };
	int n = 1;

	uobj = harness_aobj(&fx, 8);
	uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0, PGO_LOCKED);
}
END_TEST

START_TEST(test_contract_swslot_range)
{
	struct uvm_object *uobj;

	uobj = uao_create(fx.h_uvm, 8 * PAGE_SIZE, 0);
	uvm_lock(&uobj->vmobjlock);
	uao_find_swslot(uobj, 8);
}
END_TEST

void
pager_contract_tcases(Suite *s)
{
	TCase *tc = pager_tcase(s, "contract");

	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_lockorder_in_order);
	tcase_add_test_raise_signal(tc, test_contract_noswap_slot, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_put_flags, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_get_unlocked, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_swslot_range, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_list_object,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_pq_list,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_pq_object,
	    SIGABRT);
}
