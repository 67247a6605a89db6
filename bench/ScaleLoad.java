import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.StringSerializer;
import java.util.*;

// Load for bench/scale.sh: creates TOPICS topics of PARTS partitions (existing ones are kept) and
// writes RATE records/s for SECS seconds, round-robin over every partition. Run with the
// broker's own jars: java -cp "target/kafka/libs/*" bench/ScaleLoad.java BROKERS PREFIX TOPICS PARTS RATE SECS
public class ScaleLoad {
    public static void main(String[] a) throws Exception {
        String b = a[0]; String prefix = a[1]; int topics = Integer.parseInt(a[2]);
        int parts = Integer.parseInt(a[3]); int rate = Integer.parseInt(a[4]); int secs = Integer.parseInt(a[5]);
        Properties p = new Properties(); p.put("bootstrap.servers", b);
        try (Admin ad = Admin.create(p)) {
            List<NewTopic> nt = new ArrayList<>();
            for (int i = 0; i < topics; i++) nt.add(new NewTopic(prefix + i, parts, (short) 1));
            try { ad.createTopics(nt).all().get(); } catch (Exception e) { System.out.println("create: " + e.getMessage()); }
        }
        System.out.println("created"); System.out.flush();
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("linger.ms", "20");
        try (Producer<String, String> pr = new KafkaProducer<>(p)) {
            long start = System.currentTimeMillis(); long n = 0;
            while (System.currentTimeMillis() - start < secs * 1000L) {
                long due = (System.currentTimeMillis() - start) * rate / 1000;
                for (; n < due; n++) {
                    int t = (int) (n % topics); int part = (int) ((n / topics) % parts);
                    String v = "{\"taskId\":\"task-" + n + "\",\"status\":\"in_progress\",\"progress_percentage\":" + (n % 100) + "}";
                    pr.send(new ProducerRecord<>(prefix + t, part, "task-" + n, v));
                }
                Thread.sleep(5);
            }
        }
        System.out.println("done");
    }
}
