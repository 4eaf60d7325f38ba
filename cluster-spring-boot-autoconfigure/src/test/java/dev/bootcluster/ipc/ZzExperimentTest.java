package dev.bootcluster.ipc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ZzExperimentTest {
	FrameCodec codec = new FrameCodec(65536);

	void show(String json) {
		try {
			Message m = codec.decode(json.getBytes(StandardCharsets.UTF_8));
			System.out.println("EXP " + json + " -> " + m + (m instanceof Message.Publish p ? " payloadClass=" + p.payload().getClass() : "")
				+ (m instanceof Message.Answer a ? " payloadClass=" + (a.payload() == null ? "null" : a.payload().getClass()) : ""));
		} catch (Exception ex) {
			System.out.println("EXP " + json + " -> " + ex);
		}
	}

	@Test
	void run() {
		ByteBuffer f = codec.encode(new Message.Answer(1, null, null, "err"));
		f.getInt();
		String s = StandardCharsets.UTF_8.decode(f).toString();
		System.out.println("EXP encoded " + s);
		show(s);
		show("{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"type\":null,\"payload\":null,\"retained\":false}");
		show("{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"retained\":false}");
		show("{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"payload\":null,\"retained\":false}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"retained\":false}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"payload\":null,\"retained\":false}");
		show("{\"type\":\"ask\",\"requestId\":1,\"payload\":{}}");
		show("{\"type\":\"answer\",\"requestId\":1}");
		show("{\"type\":\"answer\",\"requestId\":1,\"payload\":null,\"type\":null,\"error\":null}");
		show("{\"type\":\"publish\",\"requestId\":1,\"target\":0,\"topic\":\"t\",\"type\":null,\"retained\":false}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"type\":\"x.Y\",\"retained\":true}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"type\":\"hello\",\"payload\":[1,\"\u00e9\"],\"retained\":true}");
		show("{\"type\":\"ask\",\"requestId\":1,\"type\":null,\"payload\":{}}");
		show("{\"type\":\"ask\",\"requestId\":1,\"type\":\"q\",\"payload\":null}");
		show("{\"type\":\"ask\",\"requestId\":1,\"type\":\"q\"}");
		show("{\"type\":\"answer\",\"requestId\":1,\"type\":null,\"error\":null}");
		show("{\"type\":\"publish-reply\",\"requestId\":1,\"acknowledged\":1,\"targets\":2}");
		show("{\"type\":\"welcome\"}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":null,\"type\":\"x.Y\",\"payload\":1,\"retained\":true}");
		show("{\"type\":\"deliver\",\"deliveryId\":1,\"sender\":0,\"topic\":\"t\",\"type\":\"x.Y\",\"payload\":1}");
		ByteBuffer p = codec.encode(new Message.Publish(3, 0, "topic", null, tools.jackson.databind.node.JsonNodeFactory.instance.objectNode(), true));
		p.getInt();
		System.out.println("EXP encoded " + StandardCharsets.UTF_8.decode(p));
	}
}
