// A phone without a phone: fills a form with javarosa (the engine inside ODK Collect) and
// prints the instance XML Collect would send. Used by the tests only.
//
//   java -cp ODK_Validate.jar:. FillForm form.xml media_dir answers.tsv
//
// answers.tsv has one "name<TAB>value" line per answer; answers inside a repeat are named
// "repeat#N.name" (N from 1), and "repeat#N" lines say how many items to add.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

import org.javarosa.core.model.Constants;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.data.*;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.model.instance.TreeReference;
import org.javarosa.core.model.utils.DateUtils;
import org.javarosa.core.reference.*;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.xform.util.XFormUtils;

public class FillForm {
    static class FileRef implements Reference {
        final File file;
        final String uri;
        FileRef(File file, String uri) { this.file = file; this.uri = uri; }
        public boolean doesBinaryExist() { return file.exists(); }
        public InputStream getStream() throws IOException { return new FileInputStream(file); }
        public String getURI() { return uri; }
        public String getLocalURI() { return file.getAbsolutePath(); }
        public boolean isReadOnly() { return true; }
        public OutputStream getOutputStream() throws IOException { throw new IOException("read only"); }
        public void remove() throws IOException { throw new IOException("read only"); }
        public Reference[] probeAlternativeReferences() { return new Reference[0]; }
    }

    public static void main(String[] args) throws Exception {
        final File media = new File(args[1]);
        ReferenceManager.instance().addReferenceFactory(
            new PrefixedRootFactory(new String[] {"file-csv", "file"}) {
                protected Reference factory(String terminal, String uri) {
                    return new FileRef(new File(media, terminal), uri);
                }
            });
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
            if (line.isEmpty()) continue;
            String[] parts = line.split("\t", 2);
            answers.put(parts[0], parts.length > 1 ? parts[1] : "");
        }
        FormDef form = XFormUtils.getFormFromInputStream(new FileInputStream(args[0]));
        form.initialize(true, new InstanceInitializationFactory());
        FormEntryModel model = new FormEntryModel(form);
        FormEntryController controller = new FormEntryController(model);
        int event;
        while ((event = controller.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            TreeReference ref = model.getFormIndex().getReference();
            if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                // The prompt's multiplicity is the number of items already there (a repeat
                // starts with one, as on the phone).
                String name = ref.getNameLast();
                int items = ref.getMultiplicity(ref.size() - 1);
                if (answers.containsKey(name + "#" + (items + 1))) {
                    controller.newRepeat();
                }
                continue;
            }
            if (event != FormEntryController.EVENT_QUESTION) continue;
            String key = keyOf(ref);
            if (!answers.containsKey(key)) continue;
            FormEntryPrompt prompt = model.getQuestionPrompt();
            IAnswerData data = answer(prompt, answers.get(key));
            int status = controller.answerQuestion(data, true);
            if (status != FormEntryController.ANSWER_OK) {
                System.err.println("refused " + key + "=" + answers.get(key) + " status " + status);
                System.exit(3);
            }
        }
        controller.finalizeFormEntry();
        byte[] xml = new XFormSerializingVisitor().serializeInstance(form.getInstance());
        System.out.write(xml);
        System.out.flush();
    }

    // "hours" at the top, "days#2.hours" in the second item of the repeat "days".
    static String keyOf(TreeReference ref) {
        String name = ref.getNameLast();
        for (int level = 0; level < ref.size() - 1; level++) {
            int multiplicity = ref.getMultiplicity(level);
            if (multiplicity >= 0 && isRepeat(ref, level)) {
                return ref.getName(level) + "#" + (multiplicity + 1) + "." + name;
            }
        }
        return name;
    }

    static Set<String> repeats = new HashSet<>();

    static boolean isRepeat(TreeReference ref, int level) {
        return repeats.contains(ref.getName(level));
    }

    static IAnswerData answer(FormEntryPrompt prompt, String text) throws Exception {
        if (text.isEmpty()) return null;
        switch (prompt.getDataType()) {
            case Constants.DATATYPE_INTEGER: return new IntegerData(Integer.parseInt(text));
            case Constants.DATATYPE_DECIMAL: return new DecimalData(Double.parseDouble(text));
            case Constants.DATATYPE_DATE: return new DateData(DateUtils.parseDate(text));
            case Constants.DATATYPE_CHOICE:
                for (SelectChoice choice : prompt.getSelectChoices()) {
                    if (choice.getValue().equals(text)) return new SelectOneData(new Selection(choice));
                }
                throw new Exception("no choice " + text + " for " + prompt.getIndex().getReference());
            default: return new StringData(text);
        }
    }

    static { String names = System.getProperty("repeats", ""); for (String n : names.split(",")) if (!n.isEmpty()) repeats.add(n); }
}
