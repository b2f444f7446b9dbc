/* quantize.i16i16: QUANTIZE from int16 to int16 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, i16i16, int16_t, SELRT_I16, -32768, 32767, int16_t, SELRT_I16, -32768, 32767);
