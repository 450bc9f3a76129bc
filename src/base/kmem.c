/*
 * kmem.c: memory for uao's bookkeeping (see kmem_int.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/kmem_int.h"
#include "base/sys_int.h"

/* see sys_int.h: uao's own mappings, for whoever counts them */
void (*sys_map_hook)(void *addr, size_t len, int flags, bool mapped);

static const struct kmem_backend kmem_libc = { malloc, realloc, free };
static const struct kmem_backend *kmem = &kmem_libc;

void
kmem_set_backend(const struct kmem_backend *b)
{
	kmem = b != NULL ? b : &kmem_libc;
}

void *
kmem_alloc(size_t size)
{
	return kmem->kb_alloc(size != 0 ? size : 1);
}

void *
kmem_zalloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	p = kmem_alloc(n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

void *
kmem_realloc(void *p, size_t size)
{
	return kmem->kb_realloc(p, size != 0 ? size : 1);
}

void
kmem_free(void *p)
{
	if (p != NULL)
		kmem->kb_free(p);
}

char *
kmem_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = kmem_alloc(len);

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}
