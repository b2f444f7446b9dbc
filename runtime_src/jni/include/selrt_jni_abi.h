/* The part of the JNI ABI selrt_jni.c uses, declared here so Android builds
 * need neither the NDK nor a JDK (the JDK's jni.h pulls in <stdio.h>, which
 * the NDK-free sysroot does not have).
 *
 * JNIEnv is a pointer to a table of function pointers whose slot numbers the
 * JNI specification fixes for every JVM (HotSpot, ART). Unused slots are
 * padding; the static asserts below check each used slot's index, and
 * tests/test_java_api.py compares them with the JDK's own jni.h.
 */
#ifndef SELRT_JNI_ABI_H
#define SELRT_JNI_ABI_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t jint;
typedef int64_t jlong;
typedef int8_t jbyte;
typedef uint8_t jboolean;
typedef float jfloat;
typedef jint jsize;

typedef struct selrt_jobject_ *jobject;
typedef jobject jclass;
typedef jobject jstring;
typedef jobject jarray;
typedef jarray jbyteArray;
typedef jarray jintArray;
typedef jarray jfloatArray;

struct selrt_jni_functions;
typedef const struct selrt_jni_functions *JNIEnv;

struct selrt_jni_functions {
  void *slot0_3[4];
  jint (*GetVersion)(JNIEnv *);                                                   /* 4 */
  void *slot5;
  jclass (*FindClass)(JNIEnv *, const char *);                                    /* 6 */
  void *slot7_13[7];
  jint (*ThrowNew)(JNIEnv *, jclass, const char *);                               /* 14 */
  void *slot15_22[8];
  void (*DeleteLocalRef)(JNIEnv *, jobject);                                      /* 23 */
  void *slot24_166[143];
  jstring (*NewStringUTF)(JNIEnv *, const char *);                                /* 167 */
  void *slot168;
  const char *(*GetStringUTFChars)(JNIEnv *, jstring, jboolean *);                /* 169 */
  void (*ReleaseStringUTFChars)(JNIEnv *, jstring, const char *);                 /* 170 */
  jsize (*GetArrayLength)(JNIEnv *, jarray);                                      /* 171 */
  void *slot172_178[7];
  jintArray (*NewIntArray)(JNIEnv *, jsize);                                      /* 179 */
  void *slot180_199[20];
  void (*GetByteArrayRegion)(JNIEnv *, jbyteArray, jsize, jsize, jbyte *);        /* 200 */
  void *slot201_204[4];
  void (*GetFloatArrayRegion)(JNIEnv *, jfloatArray, jsize, jsize, jfloat *);     /* 205 */
  void *slot206_207[2];
  void (*SetByteArrayRegion)(JNIEnv *, jbyteArray, jsize, jsize, const jbyte *);  /* 208 */
  void *slot209_210[2];
  void (*SetIntArrayRegion)(JNIEnv *, jintArray, jsize, jsize, const jint *);     /* 211 */
  void *slot212;
  void (*SetFloatArrayRegion)(JNIEnv *, jfloatArray, jsize, jsize, const jfloat *); /* 213 */
  void *slot214_227[14];
  jboolean (*ExceptionCheck)(JNIEnv *);                                           /* 228 */
  void *slot229;
  void *(*GetDirectBufferAddress)(JNIEnv *, jobject);                             /* 230 */
  jlong (*GetDirectBufferCapacity)(JNIEnv *, jobject);                            /* 231 */
};

#define SELRT_JNI_SLOT(f, n) \
  _Static_assert(offsetof(struct selrt_jni_functions, f) == (n) * sizeof(void *), #f " is JNI slot " #n)
SELRT_JNI_SLOT(GetVersion, 4);
SELRT_JNI_SLOT(FindClass, 6);
SELRT_JNI_SLOT(ThrowNew, 14);
SELRT_JNI_SLOT(DeleteLocalRef, 23);
SELRT_JNI_SLOT(NewStringUTF, 167);
SELRT_JNI_SLOT(GetStringUTFChars, 169);
SELRT_JNI_SLOT(ReleaseStringUTFChars, 170);
SELRT_JNI_SLOT(GetArrayLength, 171);
SELRT_JNI_SLOT(NewIntArray, 179);
SELRT_JNI_SLOT(GetByteArrayRegion, 200);
SELRT_JNI_SLOT(GetFloatArrayRegion, 205);
SELRT_JNI_SLOT(SetByteArrayRegion, 208);
SELRT_JNI_SLOT(SetIntArrayRegion, 211);
SELRT_JNI_SLOT(SetFloatArrayRegion, 213);
SELRT_JNI_SLOT(ExceptionCheck, 228);
SELRT_JNI_SLOT(GetDirectBufferAddress, 230);
SELRT_JNI_SLOT(GetDirectBufferCapacity, 231);

#define JNIEXPORT __attribute__((visibility("default")))
#define JNICALL

#endif /* SELRT_JNI_ABI_H */
