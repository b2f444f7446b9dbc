/* minisys: the few <string.h> declarations the runtime may use.
 * Handwritten so Android/iOS builds need no NDK/SDK sysroot (docs/toolchain_notes.md §2.2 A).
 * Hosted mode: clang still treats these as builtins (memcpy -> ldr, etc.). */
#ifndef SELRT_MINISYS_STRING_H
#define SELRT_MINISYS_STRING_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#ifdef __cplusplus
}
#endif
#endif
