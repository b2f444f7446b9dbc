/* maximum.i8: elementwise maximum of the raw int8 values with numpy broadcasting (inputs and output quantized alike, as TFLite requires; shared/binary.h) */
#include "../shared/binary.h"

SELRT_BINARY(maximum, i8, int8_t, SELRT_I8, int8_t, SELRT_I8, x > y ? x : y);
