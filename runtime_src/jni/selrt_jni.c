/* JNI layer of the Java API (runtime_src/java: Program, Session, TensorInfo).
 *
 * Compiled into the runtime library only for packages that ask for it
 * (request "jni"), so a plain build's size does not change. Every entry
 * point checks its arguments itself and throws a Java exception instead of
 * touching memory it was not given: a null or non-direct buffer, a wrong
 * size, a wrong dtype, an index out of range or a closed handle never reach
 * the runtime. Java keeps handles zeroed after close; the program counts its
 * sessions so it cannot be freed under one.
 *
 * SELRT_JNI_CLASS (the mangled `Java_<package>_Native_` prefix) and
 * SELRT_JNI_EXCEPTION (the exception class path) are set by the build from
 * the package's Java package name, so two selbuild runtimes with different
 * packages coexist in one process.
 */
#include <stdlib.h>
#include <string.h>

#include "selrt.h"
#include "selrt_jni_abi.h"

#ifndef SELRT_JNI_CLASS
#define SELRT_JNI_CLASS Java_org_selbuild_runtime_Native_
#endif
#ifndef SELRT_JNI_EXCEPTION
#define SELRT_JNI_EXCEPTION "org/selbuild/runtime/SelrtException"
#endif
#define SJ_CAT2(a, b) a##b
#define SJ_CAT(a, b) SJ_CAT2(a, b)
#define SJ(name) SJ_CAT(SELRT_JNI_CLASS, name)

#define SJ_NAME_MAX 256

typedef struct sj_program {
  selrt_program *p;
  void *copy;          /* aligned copy when the caller's bytes were not 16-aligned */
  int sessions;
} sj_program;

typedef struct sj_session {
  selrt_session *s;
  void *arena;         /* malloc'ed, not aligned; s uses the aligned part */
  sj_program *prog;
} sj_session;

static void sj_throw(JNIEnv *env, const char *cls, const char *msg) {
  if ((*env)->ExceptionCheck(env)) return;
  jclass c = (*env)->FindClass(env, cls);
  if (c != NULL) {
    (*env)->ThrowNew(env, c, msg);
    (*env)->DeleteLocalRef(env, c);
  }
}

static void sj_arg(JNIEnv *env, const char *msg) { sj_throw(env, "java/lang/IllegalArgumentException", msg); }

static void sj_status(JNIEnv *env, const char *what, selrt_status st, const char *detail) {
  char msg[320];
  size_t n = 0;
  const char *parts[4] = {what, ": ", selrt_status_str(st), NULL};
  for (int i = 0; parts[i] != NULL; i++) {
    size_t k = strlen(parts[i]);
    if (k > sizeof msg - 1 - n) k = sizeof msg - 1 - n;
    memcpy(msg + n, parts[i], k);
    n += k;
  }
  if (detail != NULL && detail[0] != '\0' && n + 2 < sizeof msg - 1) {
    memcpy(msg + n, " (", 2);
    n += 2;
    size_t k = strlen(detail);
    if (k > sizeof msg - 2 - n) k = sizeof msg - 2 - n;
    memcpy(msg + n, detail, k);
    n += k;
    msg[n++] = ')';
  }
  msg[n] = '\0';
  sj_throw(env, SELRT_JNI_EXCEPTION, msg);
}

static void *sj_align(void *raw) {
  uintptr_t a = (uintptr_t)raw;
  return (void *)((a + (SELRT_ARENA_ALIGN - 1)) & ~(uintptr_t)(SELRT_ARENA_ALIGN - 1));
}

static sj_session *sj_session_of(JNIEnv *env, jlong h) {
  if (h == 0) {
    sj_throw(env, "java/lang/IllegalStateException", "the session is closed");
    return NULL;
  }
  return (sj_session *)(uintptr_t)h;
}

/* The tensor `index` of the inputs (output == 0) or outputs, or NULL with an exception. */
static selrt_tensor *sj_tensor(JNIEnv *env, jlong h, jboolean output, jint index) {
  sj_session *ss = sj_session_of(env, h);
  if (ss == NULL) return NULL;
  int n = output ? selrt_num_outputs(ss->prog->p) : selrt_num_inputs(ss->prog->p);
  if (index < 0 || index >= n) {
    sj_throw(env, "java/lang/IndexOutOfBoundsException",
             output ? "output index out of range" : "input index out of range");
    return NULL;
  }
  selrt_tensor *t = output ? selrt_output(ss->s, index) : selrt_input(ss->s, index);
  if (t == NULL) sj_throw(env, "java/lang/IndexOutOfBoundsException", "no such tensor");
  return t;
}

/* Bytes in [addr+position, addr+position+bytes) of a direct buffer, or NULL with an exception. */
static unsigned char *sj_buffer(JNIEnv *env, jobject buf, jlong position, jlong bytes) {
  if (buf == NULL) {
    sj_throw(env, "java/lang/NullPointerException", "buffer is null");
    return NULL;
  }
  unsigned char *addr = (*env)->GetDirectBufferAddress(env, buf);
  jlong cap = (*env)->GetDirectBufferCapacity(env, buf);
  if (addr == NULL || cap < 0) {
    sj_arg(env, "not a direct ByteBuffer (use ByteBuffer.allocateDirect)");
    return NULL;
  }
  if (position < 0 || bytes < 0 || position > cap || bytes > cap - position) {
    sj_arg(env, "the buffer range lies outside the buffer");
    return NULL;
  }
  return addr + position;
}

static int sj_size_ok(JNIEnv *env, const selrt_tensor *t, jlong given_bytes) {
  if ((jlong)t->bytes != given_bytes) {
    char msg[SJ_NAME_MAX + 96];
    const char *pre = "wrong size for tensor '";
    const char *name = t->name != NULL ? t->name : "";
    size_t n = strlen(pre), k = strlen(name);
    if (k > SJ_NAME_MAX) k = SJ_NAME_MAX;
    memcpy(msg, pre, n);
    memcpy(msg + n, name, k);
    n += k;
    const char *post = "': the size must equal TensorInfo.byteSize()";
    memcpy(msg + n, post, strlen(post) + 1);
    sj_arg(env, msg);
    return 0;
  }
  return 1;
}

static int sj_one_byte(selrt_dtype d) { return d == SELRT_I8 || d == SELRT_U8 || d == SELRT_BOOL; }

JNIEXPORT jlong JNICALL SJ(load)(JNIEnv *env, jclass cls, jobject buf, jlong offset, jlong length) {
  (void)cls;
  const unsigned char *bytes = sj_buffer(env, buf, offset, length);
  if (bytes == NULL) return 0;
  if (length == 0) {
    sj_arg(env, "the program is empty");
    return 0;
  }
  if ((uint64_t)length > (uint64_t)SIZE_MAX - SELRT_ARENA_ALIGN) {
    sj_arg(env, "the program is too large");
    return 0;
  }
  sj_program *jp = calloc(1, sizeof *jp);
  if (jp == NULL) {
    sj_throw(env, "java/lang/OutOfMemoryError", "selrt program");
    return 0;
  }
  if (((uintptr_t)bytes & (SELRT_ARENA_ALIGN - 1)) != 0) {
    /* The runtime reads weights in place from 16-aligned bytes; a mapped
     * asset at an aligned offset needs no copy, anything else gets one. */
    jp->copy = malloc((size_t)length + SELRT_ARENA_ALIGN);
    if (jp->copy == NULL) {
      free(jp);
      sj_throw(env, "java/lang/OutOfMemoryError", "selrt program copy");
      return 0;
    }
    bytes = memcpy(sj_align(jp->copy), bytes, (size_t)length);
  }
  selrt_error err;
  memset(&err, 0, sizeof err);
  selrt_status st = selrt_program_load(bytes, (size_t)length, &jp->p, &err);
  if (st != SELRT_OK) {
    free(jp->copy);
    free(jp);
    err.message[sizeof err.message - 1] = '\0';
    sj_status(env, "cannot load the program", st, err.message);
    return 0;
  }
  return (jlong)(uintptr_t)jp;
}

JNIEXPORT void JNICALL SJ(freeProgram)(JNIEnv *env, jclass cls, jlong h) {
  (void)cls;
  if (h == 0) return;
  sj_program *jp = (sj_program *)(uintptr_t)h;
  if (jp->sessions != 0) {
    sj_throw(env, "java/lang/IllegalStateException", "the program still has open sessions");
    return;
  }
  selrt_program_free(jp->p);
  free(jp->copy);
  free(jp);
}

JNIEXPORT jlong JNICALL SJ(createSession)(JNIEnv *env, jclass cls, jlong h) {
  (void)cls;
  if (h == 0) {
    sj_throw(env, "java/lang/IllegalStateException", "the program is closed");
    return 0;
  }
  sj_program *jp = (sj_program *)(uintptr_t)h;
  size_t need = selrt_arena_size(jp->p);
  sj_session *ss = calloc(1, sizeof *ss);
  if (ss == NULL || need > SIZE_MAX - SELRT_ARENA_ALIGN ||
      (ss->arena = malloc(need + SELRT_ARENA_ALIGN)) == NULL) {
    free(ss);
    sj_throw(env, "java/lang/OutOfMemoryError", "selrt arena");
    return 0;
  }
  selrt_status st = selrt_session_create(jp->p, sj_align(ss->arena), need, &ss->s);
  if (st != SELRT_OK) {
    free(ss->arena);
    free(ss);
    sj_status(env, "cannot create a session", st, NULL);
    return 0;
  }
  ss->prog = jp;
  jp->sessions++;
  return (jlong)(uintptr_t)ss;
}

JNIEXPORT void JNICALL SJ(freeSession)(JNIEnv *env, jclass cls, jlong h) {
  (void)env;
  (void)cls;
  if (h == 0) return;
  sj_session *ss = (sj_session *)(uintptr_t)h;
  selrt_session_free(ss->s);
  ss->prog->sessions--;
  free(ss->arena);
  free(ss);
}

JNIEXPORT jint JNICALL SJ(count)(JNIEnv *env, jclass cls, jlong h, jboolean output) {
  (void)cls;
  sj_session *ss = sj_session_of(env, h);
  if (ss == NULL) return 0;
  return output ? selrt_num_outputs(ss->prog->p) : selrt_num_inputs(ss->prog->p);
}

/* Valid UTF-8 of 1-3 byte sequences (without NUL) is also modified UTF-8,
 * which NewStringUTF requires; other bytes become '?'. */
static void sj_utf8(const char *in, char *out, size_t cap) {
  size_t i = 0, o = 0;
  const unsigned char *s = (const unsigned char *)in;
  while (s[i] != 0 && o + 4 < cap) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 0;
    int ok = len > 0 && !(len == 2 && c < 0xC2);
    for (size_t k = 1; ok && k < len; k++) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) ok = !(c == 0xE0 && s[i + 1] < 0xA0) && !(c == 0xED && s[i + 1] >= 0xA0);
    if (!ok) {
      out[o++] = '?';
      i++;
      continue;
    }
    memcpy(out + o, s + i, len);
    o += len;
    i += len;
  }
  out[o] = '\0';
}

JNIEXPORT jstring JNICALL SJ(name)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  if (t == NULL) return NULL;
  char buf[SJ_NAME_MAX];
  sj_utf8(t->name != NULL ? t->name : "", buf, sizeof buf);
  return (*env)->NewStringUTF(env, buf);
}

JNIEXPORT jint JNICALL SJ(find)(JNIEnv *env, jclass cls, jlong h, jboolean output, jstring name) {
  (void)cls;
  sj_session *ss = sj_session_of(env, h);
  if (ss == NULL) return -1;
  if (name == NULL) {
    sj_throw(env, "java/lang/NullPointerException", "name is null");
    return -1;
  }
  const char *want = (*env)->GetStringUTFChars(env, name, NULL);
  if (want == NULL) return -1;
  int n = output ? selrt_num_outputs(ss->prog->p) : selrt_num_inputs(ss->prog->p);
  jint found = -1;
  for (int i = 0; i < n && found < 0; i++) {
    selrt_tensor *t = output ? selrt_output(ss->s, i) : selrt_input(ss->s, i);
    if (t != NULL && t->name != NULL && strcmp(t->name, want) == 0) found = i;
  }
  (*env)->ReleaseStringUTFChars(env, name, want);
  return found;
}

JNIEXPORT jintArray JNICALL SJ(shape)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  if (t == NULL) return NULL;
  jint rank = t->rank < 0 ? 0 : t->rank > SELRT_MAX_RANK ? SELRT_MAX_RANK : t->rank;
  jintArray a = (*env)->NewIntArray(env, rank);
  if (a == NULL) return NULL;
  jint dims[SELRT_MAX_RANK];
  for (int i = 0; i < rank; i++) dims[i] = t->dims[i];
  (*env)->SetIntArrayRegion(env, a, 0, rank, dims);
  return a;
}

JNIEXPORT jint JNICALL SJ(dtype)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  return t == NULL ? -1 : (jint)t->dtype;
}

JNIEXPORT jfloat JNICALL SJ(scale)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  return t == NULL ? 0.0f : t->scale;
}

JNIEXPORT jint JNICALL SJ(zeroPoint)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  return t == NULL ? 0 : t->zero_point;
}

JNIEXPORT jlong JNICALL SJ(byteSize)(JNIEnv *env, jclass cls, jlong h, jboolean output, jint index) {
  (void)cls;
  selrt_tensor *t = sj_tensor(env, h, output, index);
  return t == NULL ? -1 : (jlong)t->bytes;
}

/* Copies between a Java container and tensor `index`; to_tensor: into an input. */
static void sj_copy_buffer(JNIEnv *env, jlong h, jboolean output, jint index, jobject buf, jlong position,
                           jlong remaining) {
  selrt_tensor *t = sj_tensor(env, h, output, index);
  if (t == NULL || !sj_size_ok(env, t, remaining)) return;
  unsigned char *p = sj_buffer(env, buf, position, remaining);
  if (p == NULL || t->bytes == 0) return;
  if (output)
    memcpy(p, t->data, t->bytes);
  else
    memcpy(t->data, p, t->bytes);
}

JNIEXPORT void JNICALL SJ(writeBuffer)(JNIEnv *env, jclass cls, jlong h, jint index, jobject buf, jlong position,
                                       jlong remaining) {
  (void)cls;
  sj_copy_buffer(env, h, 0, index, buf, position, remaining);
}

JNIEXPORT void JNICALL SJ(readBuffer)(JNIEnv *env, jclass cls, jlong h, jint index, jobject buf, jlong position,
                                      jlong remaining) {
  (void)cls;
  sj_copy_buffer(env, h, 1, index, buf, position, remaining);
}

static selrt_tensor *sj_array_tensor(JNIEnv *env, jlong h, jboolean output, jint index, jarray a, int floats) {
  selrt_tensor *t = sj_tensor(env, h, output, index);
  if (t == NULL) return NULL;
  if (a == NULL) {
    sj_throw(env, "java/lang/NullPointerException", "array is null");
    return NULL;
  }
  if (floats ? t->dtype != SELRT_F32 : !sj_one_byte(t->dtype)) {
    sj_arg(env, floats ? "the tensor is not float32: use a byte[] or a ByteBuffer"
                       : "the tensor is not int8/uint8/bool: use a float[] or a ByteBuffer");
    return NULL;
  }
  jlong n = (*env)->GetArrayLength(env, a);
  return sj_size_ok(env, t, floats ? n * 4 : n) ? t : NULL;
}

JNIEXPORT void JNICALL SJ(writeFloats)(JNIEnv *env, jclass cls, jlong h, jint index, jfloatArray a) {
  (void)cls;
  selrt_tensor *t = sj_array_tensor(env, h, 0, index, a, 1);
  if (t != NULL && t->bytes) (*env)->GetFloatArrayRegion(env, a, 0, (jsize)(t->bytes / 4), t->data);
}

JNIEXPORT void JNICALL SJ(readFloats)(JNIEnv *env, jclass cls, jlong h, jint index, jfloatArray a) {
  (void)cls;
  selrt_tensor *t = sj_array_tensor(env, h, 1, index, a, 1);
  if (t != NULL && t->bytes) (*env)->SetFloatArrayRegion(env, a, 0, (jsize)(t->bytes / 4), t->data);
}

JNIEXPORT void JNICALL SJ(writeBytes)(JNIEnv *env, jclass cls, jlong h, jint index, jbyteArray a) {
  (void)cls;
  selrt_tensor *t = sj_array_tensor(env, h, 0, index, a, 0);
  if (t != NULL && t->bytes) (*env)->GetByteArrayRegion(env, a, 0, (jsize)t->bytes, t->data);
}

JNIEXPORT void JNICALL SJ(readBytes)(JNIEnv *env, jclass cls, jlong h, jint index, jbyteArray a) {
  (void)cls;
  selrt_tensor *t = sj_array_tensor(env, h, 1, index, a, 0);
  if (t != NULL && t->bytes) (*env)->SetByteArrayRegion(env, a, 0, (jsize)t->bytes, t->data);
}

JNIEXPORT void JNICALL SJ(run)(JNIEnv *env, jclass cls, jlong h) {
  (void)cls;
  sj_session *ss = sj_session_of(env, h);
  if (ss == NULL) return;
  selrt_status st = selrt_run(ss->s);
  if (st != SELRT_OK) sj_status(env, "run failed", st, NULL);
}

JNIEXPORT jstring JNICALL SJ(version)(JNIEnv *env, jclass cls) {
  (void)cls;
  return (*env)->NewStringUTF(env, selrt_version());
}
