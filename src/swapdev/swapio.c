/*
 * swapio.c: batched page transfers between memory and swap slots, with
 * per-device fault injection.
 *
 * A batch is resolved to devices under sd_lock, then issued through the
 * calling thread's io_uring with no lock held: each run of pages whose
 * slots follow each other on one device becomes one vectored request,
 * and every request of the batch is in flight at once.
 */
#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#include "base/clock_int.h"
#include "base/rng.h"
#include "swapdev/swap_int.h"
#include "swapdev/swapsig_int.h"
#include "swapdev/uring_int.h"

/* the longest run one request carries (pages) */
#define SWAP_IO_MAXRUN 256

/*
 * Decide whether this page's transfer fails by injection.
 * => sd_lock held
 */
static bool
faultinj_fire(struct swap_faultinj *fi)
{
	bool fire = false;

	fi->fi_count++;
	if (fi->fi_nth != 0 && fi->fi_count == fi->fi_nth) {
		fi->fi_nth = 0;
		fire = true;
	}
	if (fi->fi_ppm != 0 && rng_below(&fi->fi_rng, 1000000) < fi->fi_ppm)
		fire = true;
	return fire;
}

struct swapio_page {
	int sp_fd;
	off_t sp_off;
	struct swapdev *sp_dev;
	bool sp_issued; /* counted in sw_inflight */
};

int
uvm_swap_io(struct swap_data *sd, struct swap_io *ios, int n, bool write,
    struct swap_iotimes *iot)
{
	struct swapio_page pg[SWAP_IO_MAXRUN];
	struct iovec iov[SWAP_IO_MAXRUN];
	struct uring_req reqs[URING_DEPTH];
	int reqfirst[URING_DEPTH], reqlen[URING_DEPTH];
	int nreq, nfailed, i;

	KASSERT(n > 0 && n <= SWAP_IO_MAXRUN);

	/*
	 * step 1: resolve slots to devices; decide injected failures; count
	 * the pages in flight so that swapoff cannot retire their device.
	 */
	uvm_lock(&sd->sd_lock);
	for (i = 0; i < n; i++) {
		struct swapdev *sw = NULL, *it;
		int slot = ios[i].sio_slot;

		TAILQ_FOREACH(it, &sd->sd_devs, sw_next) {
			if (slot >= it->sw_start &&
			    slot < it->sw_start + it->sw_npages) {
				sw = it;
				break;
			}
		}
		if (sw == NULL)
			uvm_panic(__func__, "I/O to a slot of no device");
		pg[i].sp_dev = sw;
		pg[i].sp_fd = sw->sw_fd;
		/* page 0 is the signature (swapsig_int.h) */
		pg[i].sp_off =
		    (off_t)(slot - sw->sw_start + SWAPSIG_PAGES) * PAGE_SIZE;
		ios[i].sio_error = 0;
		pg[i].sp_issued = !faultinj_fire(&sw->sw_fi[write ? 1 : 0]);
		if (pg[i].sp_issued)
			sw->sw_inflight++;
		else
			ios[i].sio_error = -EIO;
	}
	uvm_unlock(&sd->sd_lock);

	/*
	 * step 2: one request per run of consecutive slots on one device;
	 * up to URING_DEPTH requests in flight together.
	 */
	i = 0;
	while (i < n) {
		nreq = 0;
		while (i < n && nreq < URING_DEPTH) {
			int first = i, len;

			if (ios[i].sio_error != 0) {
				i++;
				continue;
			}
			for (len = 1; i + len < n; len++) {
				int j = i + len;

				if (ios[j].sio_error != 0 ||
				    pg[j].sp_dev != pg[i].sp_dev ||
				    pg[j].sp_off !=
					pg[i].sp_off + (off_t)len * PAGE_SIZE)
					break;
			}
			for (int k = 0; k < len; k++) {
				iov[first + k].iov_base =
				    ios[first + k].sio_buf;
				iov[first + k].iov_len = PAGE_SIZE;
			}
			reqs[nreq].ur_fd = pg[first].sp_fd;
			reqs[nreq].ur_off = pg[first].sp_off;
			reqs[nreq].ur_iov = &iov[first];
			reqs[nreq].ur_iovcnt = len;
			reqs[nreq].ur_write = write;
			reqfirst[nreq] = first;
			reqlen[nreq] = len;
			nreq++;
			i += len;
		}
		if (nreq == 0)
			break;
		/* the probes' (b) and (c): the first submit, the last reap */
		if (iot != NULL && iot->it_submit == 0)
			iot->it_submit = clock_now_ns();
		uring_submit_wait(reqs, nreq);
		if (iot != NULL)
			iot->it_done = clock_now_ns();
		for (int r = 0; r < nreq; r++) {
			for (int k = 0; k < reqlen[r]; k++)
				ios[reqfirst[r] + k].sio_error =
				    reqs[r].ur_error;
		}
	}

	/* step 3: account */
	nfailed = 0;
	uvm_lock(&sd->sd_lock);
	for (i = 0; i < n; i++) {
		struct swapdev *sw = pg[i].sp_dev;

		if (pg[i].sp_issued) {
			KASSERT(sw->sw_inflight > 0);
			sw->sw_inflight--;
		}
		if (ios[i].sio_error != 0) {
			nfailed++;
			if (write) {
				sw->sw_nwriteerr++;
				sw->sw_lastwerr = -ios[i].sio_error;
			} else
				sw->sw_nreaderr++;
		} else if (write) {
			sw->sw_nwrite++;
		} else {
			sw->sw_nread++;
		}
	}
	uvm_unlock(&sd->sd_lock);
	return nfailed;
}
