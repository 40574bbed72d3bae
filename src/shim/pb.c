/* SPDX-License-Identifier: Apache-2.0 */
#include "pb.h"

#include "ttrpc.h"

Google__Protobuf__Timestamp pb_timestamp(int64_t ns)
{
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = ns / 1000000000;
	ts.nanos = (int32_t)(ns % 1000000000);
	return ts;
}

int pb_pack_any(const ProtobufCMessage *msg, const char *type_url, Google__Protobuf__Any *any)
{
	any->type_url = (char *)type_url;
	return ttrpc_pack(msg, &any->value);
}
