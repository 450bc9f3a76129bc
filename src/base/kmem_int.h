/*
 * kmem_int.h: memory for uao's own bookkeeping (UVM's kmem_alloc).
 *
 * Every structure the pager, the swap layer and the machine allocate
 * comes from here, never from plain malloc.  Under `uao run' the
 * program's malloc hands out region memory, and a fault-handler thread
 * that read its own bookkeeping from a region could wait on a fault that
 * only it can serve.  The preload runtime therefore points this at a
 * jemalloc arena that never takes memory from a region
 * (kmem_set_backend); otherwise it is libc's malloc.
 */
#ifndef UAO_BASE_KMEM_INT_H
#define UAO_BASE_KMEM_INT_H

#include <stddef.h>

struct kmem_backend {
	void *(*kb_alloc)(size_t);
	void *(*kb_realloc)(void *, size_t);
	void (*kb_free)(void *);
};

/* kmem_alloc: size bytes, uninitialised.  => NULL if none */
void *kmem_alloc(size_t size);
/* kmem_zalloc: n * size bytes of zeros.  => NULL if none or overflow */
void *kmem_zalloc(size_t n, size_t size);
/* kmem_realloc: as realloc(3) */
void *kmem_realloc(void *p, size_t size);
/* kmem_free: free p (NULL allowed) */
void kmem_free(void *p);
/* kmem_strdup: a copy of s.  => NULL if none */
char *kmem_strdup(const char *s);

/*
 * kmem_set_backend: use b from now on.  => call before anything was
 * allocated (blocks must be freed by the backend that allocated them).
 */
void kmem_set_backend(const struct kmem_backend *b);

#endif /* UAO_BASE_KMEM_INT_H */
