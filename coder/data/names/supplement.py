"""Given names written for coder from general knowledge, by tradition (romanised spellings).

These add to the names taken from Faker's locales (``given_*.py``) and, unlike those, may be
English words too (``John``, ``Rebecca``): a name listed here is taken as a name wherever it
is capitalised, unless :data:`coder.data.names.words.WORDLIKE` or ``THINGLIKE`` lists it.
Not fitted to any labelled set.
"""

from __future__ import annotations

GIVEN = {
    "british": """
        Aaron Abigail Adam Adrian Alan Albert Alex Alexander Alexandra Alfie Alfred Alice
        Alison Amanda Amelia Amy Andrew Andy Angela Anna Anne Annie Anthony Archie Arthur
        Barbara Barry Becky Ben Benjamin Bernard Beth Bethany Beverley Bev Brenda Brian
        Bridget Bruce Carl Caroline Catherine Charles Charlie Charlotte Chloe Chris
        Christine Christopher Claire Clare Colin Craig Daniel Danielle Darren Dave David
        Dawn Debbie Deborah Denise Derek Diana Diane Dominic Donna Doreen Doris Dorothy
        Douglas Duncan Dylan Edward Eileen Elaine Eleanor Elizabeth Ellie Emily Emma
        Eric Ethan Evelyn Fiona Frances Freddie Gail Gary Gavin Gemma Geoffrey George
        Georgina Gerald Gillian Gina Glenda Gordon Graham Gregory Hannah Harriet Harry
        Harvey Hayley Helen Henry Hollie Howard Hugh Ian Isaac Isabel Isabella Jack Jackie
        Jacob Jacqueline James Jamie Jane Janet Janice Jason Jayne Jean Jeff Jennifer
        Jenny Jeremy Jessica Jill Jim Jo Joan Joanne Jodie Joe John Jonathan Joseph
        Joshua Josie Joyce Judith Judy Julia Julian Julie June Karen Kate Katherine Kathleen
        Kathryn Katie Kay Keith Kelly Kerry Kevin Kim Kirsty Kyle Laura Lauren Leanne Lee
        Leo Lesley Leslie Lewis Liam Linda Lindsay Lisa Liz Lorraine Louise Lucy Luke Lynn
        Lynne Maisie Malcolm Mandy Margaret Maria Marian Marie Marion Martin Mary Matt
        Matthew Maureen Megan Melanie Michael Michelle Mike Molly Natalie Neil Nicholas
        Nick Nicola Nicole Nigel Norman Oliver Olivia Owen Pam Pamela Paul Paula Pauline
        Peter Philip Phillip Phil Rachel Rebecca Richard Rita Robert Robin Roger Ronald
        Rosemary Ross Ruth Ryan Sally Sam Samantha Samuel Sandra Sarah Scott Sean Shane
        Sharon Sheila Shirley Simon Sophie Stacey Stephanie Stephen Steve Steven Stewart
        Stuart Susan Suzanne Sylvia Tanya Teresa Terry Theresa Thomas Tim Timothy Tina
        Toby Tom Tony Tracey Tracy Trevor Trish Valerie Vanessa Vicky Victoria Vincent
        Wayne Wendy William Yvonne Zoe Zoë
        """,
    "irish_scottish_welsh": """
        Aoife Aisling Áine Aine Ailbhe Aodhán Bríd Brid Brendan Cathal Caoimhe Ciara Ciarán
        Ciaran Clodagh Colm Conor Cormac Dara Deirdre Declan Dervla Donal Dónal Eamon Éamon
        Eamonn Eimear Eithne Enda Eoin Fergal Fionn Fionnuala Gráinne Grainne Kieran Liam
        Máire Mairead Máiréad Maeve Méabh Muireann Niall Niamh Nuala Oisín Oisin Orla Órla
        Pádraig Padraig Peadar Róisín Roisin Ronan Rónán Ruairí Ruairi Saoirse Seamus Séamus
        Seán Sinéad Sinead Siobhán Siobhan Sorcha Tadhg Tomás Úna Una Ailsa Alasdair Alastair
        Callum Catriona Eilidh Ewan Euan Finlay Fraser Hamish Iain Isla Kenna Kirsteen
        Lachlan Mhairi Morag Murdo Rory Seonaid Shona Struan Ailsa Aled Alwyn Bethan Bronwen
        Carys Catrin Cerys Dafydd Dai Delyth Dylan Eleri Elin Emyr Ffion Geraint Gethin
        Gwen Gwenllian Gwilym Hywel Ieuan Iolo Iwan Llinos Lowri Mared Meinir Nia Owain
        Rhiannon Rhodri Rhys Sian Siân Sioned Tegan Tomos Wyn
        """,
    "south_asian": """
        Aarav Aarti Abhishek Aditi Aditya Ajay Akash Alok Amar Amarjit Amit Amrit Anand
        Anil Anita Anjali Ankit Anupam Arjun Arun Asha Ashok Avtar Balbir Balwinder Bhavna
        Chandra Deepa Deepak Devi Dev Dilip Dinesh Divya Gita Geeta Gopal Gurdeep Gurpreet
        Harjit Harpreet Harinder Harish Hema Indira Ishaan Jasbir Jaspreet Jaswinder Jatinder
        Jyoti Kajal Kalpana Kamal Kamala Kavita Kavitha Kiran Krishna Kuldip Kuldeep Kumar
        Lakshmi Lalita Madhu Mahesh Manish Manoj Manpreet Meena Meera Mohan Mukesh Nandini
        Naresh Navdeep Neelam Neha Nikhil Nisha Nitin Padma Parminder Parveen Pooja Prakash
        Pranav Prem Priya Priyanka Radha Rahul Raj Rajesh Rajinder Rajiv Rakesh Ramesh Ranjit
        Ravi Rekha Rohan Sachin Sanjay Sanjeev Santosh Sarita Seema Shalini Shanti Shweta
        Simran Sita Sukhwinder Sunil Sunita Suresh Sushma Swati Tara Usha Vandana Varun
        Vijay Vikram Vinod Vishal Yash Yogesh Kajan Tharshini Thusitha Senthil Murugan Anbu
        Vani Tharani Nirosha Dilani Chaminda Nuwan Farhana Shahana Rahima Nasima Mizanur
        Shahid Shabana Nasreen Rubina Tahmina Sultana Rukhsana Shamima Jahanara Runa Mithu
        Sabina Sadia Afsana Nazia Saima Shazia Ayesha Asif Imran Irfan Kamran Naveed Nadeem
        Tahir Tanveer Waqar Zubair Zeeshan Faisal Aamir Bilal Haris Junaid Sajid Shoaib
        Usman Zahid Abid Khurram Rizwan Sohail Tariq Arshad Javed Nabeel Nasir Amjad
        """,
    "arabic_somali_persian": """
        Abdullah Abdul Abdel Abdi Adnan Ahmad Ahmed Aisha Aishah Ali Amal Amina Aminah Amira
        Amr Anwar Asma Ayman Aziz Bashir Dina Fahad Faisal Farah Fatima Fatma Fatemeh Ghada
        Hadi Hala Hamza Hana Hanan Hassan Heba Hiba Hisham Huda Hussain Hussein Ibrahim Idris
        Ilyas Iman Ismail Jamal Jamila Kamal Karim Kareem Khadija Khalid Khaled Layla Leila
        Lina Maha Mahmoud Majid Malak Mariam Maryam Mohamed Mohammad Mohammed Muhammad Mona
        Mustafa Nabil Nada Nadia Nasser Noor Nour Omar Osama Rami Rana Rania Rashid Rasheed
        Reem Saeed Said Salma Sami Samir Samira Sara Sarah Sawsan Shireen Sulaiman Suleiman
        Tarek Tareq Umar Uthman Waleed Walid Yahya Yara Yasmin Yasmeen Yousef Youssef Yusuf
        Zaid Zainab Zaynab Zakaria Zakariya Ziad Abdirahman Abdikarim Ayan Faduma Hawa Hibaq
        Hodan Ilhan Warsame Sahra Ubah Ladan Deeqa Ali Reza Mehdi Parisa Shirin Darius
        Dariush Farhad Farzana Golnaz Mahsa Maryam Navid Nima Roya Shadi Soraya
        """,
    "african": """
        Abebe Abiodun Ada Adaeze Ade Adebayo Adebola Adeola Adwoa Afia Afua Akinyi Akosua
        Akua Ama Aminata Awa Ayo Ayodele Babajide Binta Bisi Bola Boubacar Chiamaka Chidi
        Chidinma Chinedu Chinonso Chioma Chipo Chukwuemeka Dapo Dawit Ebere Efua Emeka Esi
        Farai Fatoumata Femi Folake Folasade Funmilayo Ibrahima Ifeoma Ifeanyi Ife Ikechukwu
        Kadiatou Kamau Kemi Kofi Kojo Kwabena Kwaku Kwame Kwesi Lamin Mamadou Mariama
        Meron Modou Moussa Ngozi Njeri Nkechi Nnamdi Nyasha Obinna Olamide Olumide Oluwaseun
        Oluwatoyin Otieno Ousmane Rudo Rutendo Segun Selam Seydou Tafadzwa Tatenda Tendai
        Tigist Toyin Tsitsi Tunde Uchenna Wambui Wanjiru Yaa Yaw Yemi Yetunde Yonas Zodwa
        Thandiwe Sipho Themba Lerato Nomvula Kagiso Tshepo Precious Blessing Chisom Ebuka
        Kelechi Oluchi Somto Temitope Tolu Tobi Damilola Adaobi Amaka Nneka Obi Uche Gbenga
        Kayode Jide Lanre Niyi Sade Ronke Wale Yinka Abena Adjoa Akwasi Kwadwo Yaaba
        """,
    "east_asian": """
        Wei Mei Jun Hui Li Ling Yan Ying Jing Hong Ming Hao Yu Xin Jie Lei Tao Qiang Fang
        Min Lan Xia Yi Zhen Xiaoling Xiaoming Xiaoyu Jiayi Jian Zhiwei Yuxuan Zihan Haoran
        Yiming Shu Huan Qing Rui Ting Chun Hiroshi Yuki Haruto Takeshi Kenji Akiko Yoko
        Keiko Naoko Sakura Hana Aiko Yuto Sota Ren Kaito Riku Yui Mio Daisuke Kazuki Shota
        Tomoko Emi Mai Hiroko Junko Kaori Makoto Satoshi Takashi Yuko Naomi Kenta Min-jun
        Ji-woo Seo-yeon Ji-hoon Hyun-woo Soo-jin Eun-ji Ha-eun Do-yoon Ye-jin Jae-won
        Sung-min Hye-jin Young-ho Ji-yeon Min-ji Seung-hyun Anh Linh Thanh Minh Huong Trang
        Hoa Tuan Duc Hung Dung Phuong Thu Hai Nam Quang Hieu Nga Ngoc Trung Khanh Thao Vy
        Maricel Rowena Jocelyn Marites Mylene Rizalino Jhun Joven Analyn Cherry
        Arnel Rodel Ronaldo Marivic Girlie Jenalyn Somchai Siriporn Malee Nattapong
        """,
    "eastern_european": """
        Agnieszka Aleksandra Andrzej Anna Bartłomiej Bartek Beata Bogdan Dorota Ewa Grzegorz
        Iwona Jakub Jan Jolanta Kamil Katarzyna Kasia Krzysztof Łukasz Lukasz Magdalena
        Małgorzata Malgorzata Marek Marta Mateusz Michał Monika Paweł Pawel Piotr Renata
        Tomasz Wojciech Zbigniew Zofia Zuzana Jiří Petr Pavel Tereza Lucie Martina Zsófia
        Zsofia Eszter Gábor Gabor László Laszlo Katalin Réka Andrei Andrei Bogdana Cristina
        Elena Florin Gheorghe Ioana Ion Lucian Mihai Mihaela Radu Raluca Vlad Vasile
        Alexandru Daniela Gintarė Vytautas Ramunė Tomas Jonas Rasa Ieva Laura Kristina
        Jānis Ilze Dace Mārtiņš Kaspars Olena Oksana Kateryna Yaroslav Andriy Oleksandr
        Oleksiy Mykola Taras Bohdan Vasyl Iryna Halyna Nadia Lyudmila Dmitri Dmitry Sergei
        Sergey Nikolai Vladimir Irina Tatiana Tatyana Svetlana Natalia Natalya Olga Yulia
        Anastasia Ivan Igor Alexei Alexey Yevgeny Evgeny Maxim Artem Denys Viktor Yuri
        Galina Valentina Ekaterina Mariya Daria Polina Sofiya Georgi Dimitar Petya Stoyan
        Nikolay Desislava Milena Marko Nikola Jelena Dragan Milica Ana Luka Ivana Dejan
        Georgios Dimitrios Konstantinos Eleni Katerina Nikos Yiannis Sotiris Vasiliki
        """,
}
