/* Element count of a tensor, shared by the core and every kernel. One
 * out-of-line copy: as a static inline, -Oz kept a private copy in each
 * kernel object that calls it more than once. The loader bounds every shape
 * (dims >= 1, byte size within the program or arena), so the product fits. */
#include "selrt_kernel.h"

size_t selrt_numel(const selrt_tensor *t) {
  size_t e = 1;
  for (int32_t i = 0; i < t->rank; i++) e *= (size_t)t->dims[i];
  return e;
}
